{
  "name": "bdo",
  "title": "BDO ATM payroll credit file, as a spreadsheet (upload date, company code and batch on top; account, amount, name, remarks per credit)",
  "source": "BDO's 'ATM Payroll Credit File' converter instructions as published (scribd.com document 674393241): upload date, a 3-character company code BDO assigns, a batch 01-99 per credit date, the 12-digit employee account, the net pay to 2 decimals, name and remarks. A fixed-width BDO text variant also appears in public code (github.com/dchallenger/workpad, BDO case); it is not shipped",
  "confidence": "low: the columns are from the bank's published converter instructions, their spreadsheet placement is ARMMS's; BDO's converter turns this sheet into its upload file. The agency confirms with BDO before first use",
  "kind": "xlsx",
  "sheet": "Payroll",
  "titles": true,
  "bank_codes": ["BDO"],
  "account": {"min": 12, "max": 12, "charset": "0123456789", "strip": " -"},
  "params": ["company_code", "batch_no"],
  "header": [
    [{"title": "label", "const": "Upload Date:"}, {"title": "upload date", "value": "pay_date", "date": "MM/DD/YYYY"}],
    [{"title": "label", "const": "Payroll Code:"}, {"title": "company code", "value": "param:company_code"}],
    [{"title": "label", "const": "Batch:"}, {"title": "batch", "value": "param:batch_no"}]
  ],
  "detail": [
    {"title": "ACCOUNT #", "value": "account"},
    {"title": "AMOUNT", "value": "net", "decimals": 2},
    {"title": "NAME", "value": "name"},
    {"title": "REMARKS", "value": "period"}
  ],
  "trailer": []
}
