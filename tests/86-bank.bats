#!/usr/bin/env bats
# armms-bank and armms-register: what leaves the agency after a payrun, read
# from the approved paysheets only.

load test_helper
load out_helper

@test "the BPI file credits the two guards it can pay; no account, net 0 and a short account are listed with masked accounts, not dropped" {
    run --separate-stderr armms-bank 2026-11-A --profile bpi -o bpi.txt "${BPI_SET[@]}"
    # written, but a guard to be paid has no valid account: 65
    assert_equal "$status" 65
    assert_equal "$(reasons "$output")" \
        "$(printf 'G3\tNO_ACCOUNT G4\tOTHER_BANK G5\tBAD_ACCOUNT G6\tNET_ZERO G7\tOTHER_BANK')"
    assert_equal "$(jq -r 'select(.guard_id == "G5") | [.bank_account, .message] | @tsv' <<<"$output")" \
        "$(printf '****2345\tthe account has 5 characters; bpi takes 10')"
    assert_equal "$(jq -r 'select(.guard_id == "G6") | [.net, .message] | @tsv' <<<"$output")" \
        "$(printf '0\tnet pay is 0.00: nothing to credit')"
    # no account, in full or masked, is anywhere on the terminal
    refute_output --partial 123456789012
    refute_output --partial 12345\"
    [[ "$stderr" != *0123456789* ]]
    # only G1 and G2 are in the file
    assert_equal "$(grep -c '^D' bpi.txt)" 2
    assert_equal "$(cut -c16-25 bpi.txt | sed -n '2,3p' | paste -sd' ')" "0123456789 9876543210"
    refute grep -q '1111111111\|0000012345' bpi.txt
}

@test "the bank file's control totals equal the register's net: file + listed = register, and they say so" {
    armms-register -q 2026-11-A -o register.csv
    reg_net=$(awk -F, 'NR > 1 { s += $16 * 100 } END { printf "%d", s }' register.csv)
    assert_equal "$reg_net" 4000845 # 40,008.45
    run --separate-stderr armms-bank 2026-11-A --profile generic-csv -o credits.csv
    assert_equal "$status" 65 # G3 has no account
    file_net=$(awk -F, 'NR > 1 { s += $(NF-2) * 100 } END { printf "%d", s }' credits.csv)
    listed=$(jq -s 'map(.net) | add' <<<"$output")
    assert_equal "$((file_net + listed))" "$reg_net"
    # G1 14,652.55 + G2 15,755.90 + G4 2,400.00 + G7 2,400.00; G5's 12345 is too short
    # for generic-csv too (6 to 20 digits)
    assert_equal "$file_net" 3520845
    [[ "$stderr" == *"4 credits, total 35,208.45"* ]]
    [[ "$stderr" == *"register 2026-11-A: net 40,008.45 (7 guards); paid by bank through generic-csv: 37,608.45 (5 guards) = file 35,208.45 + bad accounts 2,400.00: reconciles"* ]]
    # the BPI file reconciles the same way with its own banks
    run --separate-stderr armms-bank 2026-11-A --profile bpi -o bpi.txt "${BPI_SET[@]}"
    [[ "$stderr" == *"paid by bank through bpi: 32,808.45 (3 guards) = file 30,408.45 + bad accounts 2,400.00: reconciles"* ]]
}

@test "BPI records are 128 columns and the hash totals are worked by hand" {
    armms-bank -q 2026-11-A --profile bpi -o bpi.txt "${BPI_SET[@]}" >/dev/null || true
    # every record: 128 columns, then CR LF
    assert_equal "$(awk '{ print length($0) }' bpi.txt | sort -u)" 129
    assert_equal "$(tr -d '\n' <bpi.txt | tr '\r' '\n' | awk '{ print length($0) }' | sort -u)" 128
    # G1 0123456789: digits 6-7, 8-9, 10 are 56 + 78 + 9 = 143; x 1,465,255 centavos = 209,531,465
    # G2 9876543210: 43 + 21 + 0 = 64; x 1,575,590 = 100,837,760; together 310,369,225
    # account-number hash total 0123456789 + 9876543210 = 9,999,999,999
    assert_equal "$(sed -n 2p bpi.txt | cut -c1-37)" "D001231120260130123456789000001465255"
    assert_equal "$(sed -n 2p bpi.txt | cut -c38-49)" "000209531465"
    assert_equal "$(sed -n 3p bpi.txt | cut -c38-49)" "000100837760"
    assert_equal "$(sed -n 1p bpi.txt | cut -c1-53)" \
        "H0012311202601155500011120550000015755900000030408451"
    assert_equal "$(sed -n 4p bpi.txt | cut -c1-78)" \
        "T00123112026012555000111200000999999999900000000304084500000000031036922500002"
}

@test "Metrobank records are exactly 98 columns, the account zero-padded to 13, the name in plain capitals" {
    run --separate-stderr armms-bank 2026-11-A --profile metrobank -o mb.txt \
        --set company_code=7 --set branch_code=12 --set batch_no=3
    assert_equal "$(wc -l <mb.txt)" 1
    assert_equal "$(tr -d '\r\n' <mb.txt | wc -c)" 98
    assert_equal "$(cut -c1-38 mb.txt)" "01000070121234567890123000000000240000"
    # the file is ASCII: the tilde goes, the letter stays
    assert_equal "$(cut -c39-78 mb.txt | sed 's/ *$//')" "PENARANDA, CARLO"
    assert_equal "$(cut -c79-98 mb.txt | tr -d '\r')" "11202026100007    03"
}

@test "a formula in a guard's name is neutralised in the CSV and XLSX files" {
    armms-bank -q 2026-11-A --profile generic-csv -o credits.csv >/dev/null || true
    assert_equal "$(grep '^100004,' credits.csv | cut -d, -f2-3)" "\"'=cmd|' /C calc'!A0, Mal\""
    armms-register -q 2026-11-A -o register.csv
    assert_equal "$(grep '^G4,' register.csv | cut -d, -f3)" "'=cmd|' /C calc'!A0"
    armms-register -q 2026-11-A --format xlsx -o register.xlsx
    unzip -o -q register.xlsx -d reg
    grep -q "&apos;=cmd|&apos; /C calc&apos;!A0\|'=cmd|' /C calc'!A0" reg/xl/sharedStrings.xml
    refute grep -q '<f>' reg/xl/worksheets/sheet1.xml
    run armms-bank -q 2026-11-A --profile bdo -o bdo.xlsx --set company_code=ABC --set batch_no=01
    unzip -o -q bdo.xlsx -d bdo
    grep -q "'=cmd|' /C calc'!A0, Mal\|&apos;=cmd|&apos; /C calc&apos;!A0, Mal" bdo/xl/sharedStrings.xml
    refute grep -q '<f>' bdo/xl/worksheets/sheet1.xml
    # the BDO sheet: its three header rows, the titles, one credit (G4), amount a number
    assert_equal "$(grep -o '<c r="B5"[^/]*/c>\|<c r="B5"[^>]*><v>[^<]*</v>' bdo/xl/worksheets/sheet1.xml | grep -o '<v>[^<]*' | cut -c4-)" 2400
}

@test "the same payrun gives byte-identical files on every run" {
    for n in 1 2; do
        armms-bank -q 2026-11-A --profile bpi -o bpi$n.txt "${BPI_SET[@]}" >/dev/null || true
        armms-bank -q 2026-11-A --profile generic-xlsx -o g$n.xlsx >/dev/null || true
        armms-register -q 2026-11-A -o reg$n.csv
        armms-register -q 2026-11-A --format xlsx -o reg$n.xlsx
        [ $n = 2 ] || sleep 1.1
        export ARMMS_NOW=2026-12-01T00:00:00Z
    done
    cmp bpi1.txt bpi2.txt
    cmp g1.xlsx g2.xlsx
    cmp reg1.csv reg2.csv
    cmp reg1.xlsx reg2.xlsx
    # the workbook says it was made when the payrun was approved
    unzip -p reg1.xlsx docProps/core.xml | grep -q '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-20T00:00:00Z<'
}

@test "a bad profile is a clear error before any file is written" {
    printf '{"name":"x","source":"s","confidence":"c","kind":"fixed","account":{},"detail":[{"value":"acount"}]}' >bad.profile
    run --separate-stderr armms-bank 2026-11-A --profile ./bad.profile -o out.txt
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-bank: profile ./bad.profile: detail field 1: unknown value 'acount'"
    printf '{"name": "x", ' >broken.profile
    run --separate-stderr armms-bank 2026-11-A --profile ./broken.profile -o out.txt
    assert_equal "$status" 65
    [[ "$stderr" == "armms-bank: profile ./broken.profile: not JSON"* ]]
    printf '{"name":"x","kind":"fixed","account":{},"detail":[{"const":"A"}]}' >nosource.profile
    run --separate-stderr armms-bank 2026-11-A --profile ./nosource.profile -o out.txt
    assert_equal "$status" 65
    [[ "$stderr" == *"'source' and 'confidence' say where the layout came from"* ]]
    run --separate-stderr armms-bank 2026-11-A --profile ./missing.profile -o out.txt
    assert_equal "$status" 66
    run --separate-stderr armms-bank 2026-11-A --profile hsbc -o out.txt
    assert_equal "$status" 64
    assert_equal "$stderr" "armms-bank: no bank profile 'hsbc' (--list-profiles names them)"
    run --separate-stderr armms-bank 2026-11-A --profile bpi -o out.txt --set company_code=1
    assert_equal "$status" 64
    assert_equal "$stderr" "armms-bank: tenant acme: profile bpi needs company_account: --set company_account=VALUE, or bank.bpi.company_account in tenant.conf"
    assert_file_not_exist out.txt
    run --separate-stderr armms-bank 2026-11-A --profile bpi -o out.txt "${BPI_SET[@]}" --set compnay=1
    assert_equal "$status" 64
    [[ "$stderr" == "armms-bank: profile bpi takes no value 'compnay' (--list-profiles names those it needs)"* ]]
    assert_file_not_exist out.txt
    # the agency's own values may live in tenant.conf
    printf '%s\n' bank.bpi.company_code=123 bank.bpi.company_account=5550001112 \
        bank.bpi.branch_code=55 bank.bpi.batch_no=1 >>"$ARMMS_HOME/tenants/acme/tenant.conf"
    run armms-bank -q 2026-11-A --profile bpi -o out.txt
    assert_equal "$status" 65
    assert_equal "$(head -c 26 out.txt)" H0012311202601155500011120
}

@test "only a paysheet reader gets the files, and only of an approved payrun" {
    run --separate-stderr armms-bank 2026-11-A --profile generic-csv -o c.csv --as tk1
    assert_equal "$status" 77
    run --separate-stderr armms-register 2026-11-A --as tk1
    assert_equal "$status" 77
    assert_file_not_exist c.csv
    run --separate-stderr armms-register 2026-11-B
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-register: tenant acme: no payrun for 2026-11-B: nothing of it may leave"
    armms-payrun -q --as pay1 open 2026-11-B
    run --separate-stderr armms-bank 2026-11-B --profile generic-csv -o c.csv
    assert_equal "$status" 65
    [[ "$stderr" == *"the payrun of 2026-11-B is OPEN: nothing of it leaves before it is approved" ]]
    run armms-register 2026-11-A --format pdf
    assert_equal "$status" 64
    run armms-register 2026-11-A --format xlsx
    assert_equal "$status" 64
    run bash -c 'armms-register -q 2026-11-A >/dev/full'
    assert_equal "$status" 74
}

@test "the shipped profiles say where each layout came from and how far to trust it" {
    run armms-bank --list-profiles
    assert_success
    assert_equal "$(grep -c '^  source: ' <<<"$output")" 5
    assert_equal "$(grep -c '^  confidence: ' <<<"$output")" 5
    assert_equal "$(grep -o '^[a-z-]* (' <<<"$output" | tr -d ' (' | paste -sd' ')" \
        "bdo bpi generic-csv generic-xlsx metrobank"
    assert_line "bpi (fixed, 128 columns, banks: BPI; needs: company_code company_account branch_code batch_no)"
}
