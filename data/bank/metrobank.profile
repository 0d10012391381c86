{
  "name": "metrobank",
  "title": "Metrobank payroll credit text file (one 98-column record per credit)",
  "source": "no public specification or public code with this layout was found; only the record width, 98 columns, is taken as given (as the agency's Metrobank payroll file was described), unverified. The fields and their order below are ARMMS's assumption",
  "confidence": "very low: an assumed layout that only fixes the record width; the agency obtains Metrobank's own specification and corrects this file (a data change, no code) before first use",
  "kind": "fixed",
  "line_ending": "crlf",
  "encoding": "ascii",
  "uppercase": true,
  "record_width": 98,
  "bank_codes": ["MBTC"],
  "account": {"min": 10, "max": 13, "charset": "0123456789", "strip": " -"},
  "params": ["company_code", "branch_code", "batch_no"],
  "header": [],
  "detail": [
    {"title": "record type", "const": "01"},
    {"title": "company code", "value": "param:company_code", "width": 5, "align": "right", "pad": "0"},
    {"title": "branch code", "value": "param:branch_code", "width": 3, "align": "right", "pad": "0"},
    {"title": "account", "value": "account", "width": 13, "align": "right", "pad": "0"},
    {"title": "amount", "value": "net", "decimals": 2, "implied": true, "width": 15, "align": "right", "pad": "0"},
    {"title": "employee name", "value": "name", "width": 40},
    {"title": "credit date", "value": "pay_date", "date": "MMDDYYYY", "width": 8},
    {"title": "employee number", "value": "employee_no", "width": 10},
    {"title": "batch number", "value": "param:batch_no", "width": 2, "align": "right", "pad": "0"}
  ],
  "trailer": []
}
