{
  "name": "generic-xlsx",
  "title": "Generic XLSX credit list (any bank), for portals that take a spreadsheet",
  "source": "ARMMS's own layout: the columns of generic-csv in one worksheet, amounts as numbers",
  "confidence": "high for what it is: a documented ARMMS layout, not a bank's; the bank must accept it",
  "kind": "xlsx",
  "sheet": "Credits",
  "titles": true,
  "bank_codes": [],
  "account": {"min": 6, "max": 20, "charset": "0123456789", "strip": " -"},
  "header": [],
  "detail": [
    {"title": "Employee No", "value": "employee_no"},
    {"title": "Name", "value": "name"},
    {"title": "Bank", "value": "bank_code"},
    {"title": "Account", "value": "account"},
    {"title": "Amount", "value": "net", "decimals": 2},
    {"title": "Period", "value": "period"},
    {"title": "Pay date", "value": "pay_date", "date": "YYYY-MM-DD"}
  ],
  "trailer": []
}
