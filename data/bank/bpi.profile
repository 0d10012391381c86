{
  "name": "bpi",
  "title": "BPI payroll credit, batch text file (header H, detail D, trailer T; 128 columns)",
  "source": "public payroll code: github.com/dchallenger/workpad apps/modules/report_generator/views/templates/payroll_bank_remittance.ahi.org.php (BPI case: H/D/T records, their fields and widths, the per-detail hash of account digit pairs times the amount, the trailer's account-number total); the 128-column record width and the ceiling amount (highest net pay) from a public BizLink implementation note. Facts only; no code taken",
  "confidence": "low: two unofficial sources; the source's detail hash reads the account's 6th-7th, 8th-9th and 10th digits (offsets kept here as data: horizontal_hash.digits) and another implementer could not confirm the hash formula; the agency confirms every field with BPI before first use",
  "kind": "fixed",
  "line_ending": "crlf",
  "encoding": "ascii",
  "record_width": 128,
  "bank_codes": ["BPI"],
  "account": {"min": 10, "max": 10, "charset": "0123456789", "strip": " -"},
  "params": ["company_code", "company_account", "branch_code", "batch_no"],
  "horizontal_hash": {"digits": [[6, 2], [8, 2], [10, 2]]},
  "header": [[
    {"title": "record type", "const": "H"},
    {"title": "company code", "value": "param:company_code", "width": 5, "align": "right", "pad": "0"},
    {"title": "payroll date", "value": "pay_date", "date": "MMDDYY", "width": 6},
    {"title": "batch number", "value": "param:batch_no", "width": 2, "align": "right", "pad": "0"},
    {"title": "payroll identifier", "const": "1"},
    {"title": "company account", "value": "param:company_account", "width": 10, "align": "right", "pad": "0"},
    {"title": "presenting branch", "value": "param:branch_code", "width": 3, "align": "right", "pad": "0"},
    {"title": "ceiling amount", "value": "max_net", "decimals": 2, "implied": true, "width": 12, "align": "right", "pad": "0"},
    {"title": "total amount", "value": "total", "decimals": 2, "implied": true, "width": 12, "align": "right", "pad": "0"},
    {"title": "header flag", "const": "1"}
  ]],
  "detail": [
    {"title": "record type", "const": "D"},
    {"title": "company code", "value": "param:company_code", "width": 5, "align": "right", "pad": "0"},
    {"title": "payroll date", "value": "pay_date", "date": "MMDDYY", "width": 6},
    {"title": "batch number", "value": "param:batch_no", "width": 2, "align": "right", "pad": "0"},
    {"title": "credit code", "const": "3"},
    {"title": "account", "value": "account", "width": 10, "align": "right", "pad": "0"},
    {"title": "amount", "value": "net", "decimals": 2, "implied": true, "width": 12, "align": "right", "pad": "0"},
    {"title": "horizontal hash", "value": "horizontal_hash", "width": 12, "align": "right", "pad": "0", "overflow": "keep_right"}
  ],
  "trailer": [[
    {"title": "record type", "const": "T"},
    {"title": "company code", "value": "param:company_code", "width": 5, "align": "right", "pad": "0"},
    {"title": "payroll date", "value": "pay_date", "date": "MMDDYY", "width": 6},
    {"title": "batch number", "value": "param:batch_no", "width": 2, "align": "right", "pad": "0"},
    {"title": "debit code", "const": "2"},
    {"title": "company account", "value": "param:company_account", "width": 10, "align": "right", "pad": "0"},
    {"title": "account number hash total", "value": "account_total", "width": 15, "align": "right", "pad": "0", "overflow": "keep_right"},
    {"title": "total amount", "value": "total", "decimals": 2, "implied": true, "width": 15, "align": "right", "pad": "0"},
    {"title": "horizontal hash total", "value": "hash_total", "width": 18, "align": "right", "pad": "0", "overflow": "keep_right"},
    {"title": "number of credits", "value": "count", "width": 5, "align": "right", "pad": "0"}
  ]]
}
