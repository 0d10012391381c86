{
  "name": "generic-csv",
  "title": "Generic CSV credit list (any bank)",
  "source": "ARMMS's own layout, for a bank portal that maps CSV columns itself and for checking a payrun's credits by eye",
  "confidence": "high for what it is: a documented ARMMS layout, not a bank's; the bank must accept it",
  "kind": "delimited",
  "delimiter": ",",
  "line_ending": "lf",
  "encoding": "utf-8",
  "titles": true,
  "bank_codes": [],
  "account": {"min": 6, "max": 20, "charset": "0123456789", "strip": " -"},
  "header": [],
  "detail": [
    {"title": "employee_no", "value": "employee_no"},
    {"title": "name", "value": "name"},
    {"title": "bank_code", "value": "bank_code"},
    {"title": "account", "value": "account"},
    {"title": "amount", "value": "net", "decimals": 2},
    {"title": "period", "value": "period"},
    {"title": "pay_date", "value": "pay_date", "date": "YYYY-MM-DD"}
  ],
  "trailer": []
}
