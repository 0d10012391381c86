load test_helper
bats_require_minimum_version 1.5.0

# armms-archive: the payrun archive. A small tenant's run is computed by the
# payroll officer and approved by the HR manager (as in 84-payrun.bats);
# the directory packed holds a payslip and a bank file written here, since
# the archive packs whatever files the other tools wrote.

# Two guards at DET1, every day but their rest day, 1-15 November 2026.
run_tenant() {
    small_tenant acme
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'ctl1,Controller,controller' 'hrm1,HR Manager,hr_manager' 'tk1,Timekeeper,timekeeper'
    tk_import acme route 'action,requester_role,verifier_role,approver_role' \
        'payrun.close,payroll_officer,controller,hr_manager'
    armms-import -q -t acme period --generate 2026
    local d g
    for g in G1 G2; do
        for d in $(seq -f '2026-11-%02g' 1 15); do
            [ "$g" = G1 ] && [ "$(date -d "$d" +%a)" = Sun ] && continue
            [ "$g" = G2 ] && [ "$(date -d "$d" +%a)" = Sat ] && continue
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_TEST_TMPDIR/in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/in"
        done
    done
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    export ARMMS_NOW=2026-11-20T00:00:00Z
    armms-payrun -q -t acme --as pay1 open 2026-11-A >/dev/null
    armms-payrun -q -t acme --as pay1 compute 2026-11-A >/dev/null
}

approve() {
    armms-payrun -q -t acme --as hrm1 approve 2026-11-A
    export ARMMS_NOW=2026-11-21T03:00:00Z # the archive never takes the clock
}

# The files of the period, as the output tools would leave them.
fill_dir() {
    D="$BATS_TEST_TMPDIR/out"
    mkdir -p "$D/payslips" "$D/bank"
    printf 'Payslip 2026-11-A\nSantos, Juan\nNet 13,790.00\n' >"$D/payslips/G1.txt"
    printf 'Payslip 2026-11-A\nPeña, José\n' >"$D/payslips/Peña, José.txt"
    printf 'H,ACME,20261115\nD,0001234567,1379000\n' >"$D/bank/generic.csv"
}

arc() { armms-archive -t acme "$@"; }
events() { journal_lines acme | jq -c "select(.event_type == \"PayrunArchived\") | .payload"; }

@test "the same approved run and files give a byte-identical archive whose manifest hashes are the extracted files' own" {
    run_tenant
    approve
    fill_dir
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_success
    a="$BATS_TEST_TMPDIR/a.tar.gz"
    sum=$(sha256sum "$a" | cut -d' ' -f1)
    assert_equal "$stderr" "armms-archive: archive 1 of 2026-11-A written to $a: 3 files, 2 paysheets, $(stat -c %s "$a") bytes
armms-archive: sha256 $sum journaled (PayrunArchived)"
    # an hour later, another name: the same bytes
    export ARMMS_NOW=2026-11-21T04:00:00Z
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/b.tar.gz"
    cmp "$a" "$BATS_TEST_TMPDIR/b.tar.gz"
    # no time and no name in the gzip header (bytes 4-7 the time, flag byte 3)
    assert_equal "$(od -An -tx1 -j3 -N5 "$a" | tr -d ' ')" 0000000000
    # MANIFEST first, then the files by path; root/root, 0644, the approval time
    assert_equal "$(tar tzf "$a" | paste -sd'|')" \
        "2026-11-A/MANIFEST|2026-11-A/bank/generic.csv|2026-11-A/payslips/G1.txt|2026-11-A/payslips/Peña, José.txt"
    assert_equal "$(TZ=UTC tar tvzf "$a" --numeric-owner | awk '{print $1, $2, $4, $5}' | sort -u)" \
        "-rw-r--r-- 0/0 2026-11-20 00:00"
    mkdir "$BATS_TEST_TMPDIR/x"
    tar xzf "$a" -C "$BATS_TEST_TMPDIR/x"
    cd "$BATS_TEST_TMPDIR/x/2026-11-A"
    run sha256sum -c <(jq -r 'select(.kind == "ArchiveFile") | "\(.sha256)  \(.path)"' MANIFEST)
    assert_success
    assert_equal "$(grep -c ': OK$' <<<"$output")" 3
    assert_equal "$(jq -r 'select(.kind == "ArchiveFile") | .size' MANIFEST | paste -sd' ')" "$(stat -c %s bank/generic.csv payslips/G1.txt 'payslips/Peña, José.txt' | paste -sd' ')"
    assert_equal "$(head -1 MANIFEST)" '{"kind":"PayrunArchiveManifest","v":1,"period":"2026-11-A","approved_at":"2026-11-20T00:00:00Z","files":3,"paysheets":2}'
    # the paysheet versions it pays are pay.db's approved rows
    assert_equal "$(jq -r 'select(.kind == "ArchivedPaysheet") | [.paysheet_id, .version, .status, .digest] | join("|")' MANIFEST)" \
        "$(q acme pay "select paysheet_id, version, status, digest from paysheet where period_id = '2026-11-A' order by 1")"
    # journaled once: the file's own hash and size, the manifest's hash
    assert_equal "$(events)" "{\"period\":\"2026-11-A\",\"seq\":1,\"file\":\"a.tar.gz\",\"sha256\":\"$sum\",\"size\":$(stat -c %s "$a"),\"manifest_sha256\":\"$(sha256sum MANIFEST | cut -d' ' -f1)\",\"files\":3,\"paysheets\":2}"
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "PayrunArchived") | [.aggregate_type, .aggregate_id, .actor] | @tsv')" "$(printf 'Payrun\t2026-11-A\tpay1')"
}

@test "archiving the same files again journals nothing and says so" {
    run_tenant
    approve
    fill_dir
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    n=$(journal_lines acme | wc -l)
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_success
    [[ "$stderr" == *"is archive 1 of 2026-11-A, journaled already: nothing journaled" ]]
    assert_equal "$(journal_lines acme | wc -l)" "$n"
    assert_equal "$(q acme pay 'select count(*) from payrun_archive')" 1
}

@test "verify finds an edited file inside, a repacked archive and an unknown one" {
    run_tenant
    approve
    fill_dir
    a="$BATS_TEST_TMPDIR/a.tar.gz"
    arc -q --as pay1 create 2026-11-A "$D" -o "$a"
    # the controller checks it
    run --separate-stderr arc --as ctl1 verify "$a"
    assert_success
    assert_equal "$stderr" "armms-archive: $a: matches archive 1 of 2026-11-A (journaled as a.tar.gz at 2026-11-21T03:00:00Z): 3 files and 2 paysheets as its manifest names them"
    run arc --as ctl1 verify "$a" 2026-11-A
    assert_success
    # a net amount changed in the bank file, the archive packed again
    mkdir "$BATS_TEST_TMPDIR/x"
    tar xzf "$a" -C "$BATS_TEST_TMPDIR/x"
    sed -i 's/1379000/1479000/' "$BATS_TEST_TMPDIR/x/2026-11-A/bank/generic.csv"
    tar czf "$BATS_TEST_TMPDIR/edited.tar.gz" -C "$BATS_TEST_TMPDIR/x" 2026-11-A/MANIFEST 2026-11-A/bank 2026-11-A/payslips
    run --separate-stderr arc -q --as ctl1 verify "$BATS_TEST_TMPDIR/edited.tar.gz"
    assert_equal "$status" 65
    assert_equal "$(grep -c . <<<"$stderr")" 2
    [[ "$(sed -n 1p <<<"$stderr")" == "armms-archive: $BATS_TEST_TMPDIR/edited.tar.gz: bank/generic.csv: edited: "* ]]
    [[ "$(sed -n 2p <<<"$stderr")" == *"is no journaled archive of 2026-11-A: its manifest is archive 1's, so it was repacked or edited" ]]
    # the file and its manifest line both rewritten: no journaled manifest either
    new=$(sha256sum "$BATS_TEST_TMPDIR/x/2026-11-A/bank/generic.csv" | cut -d' ' -f1)
    jq -c --arg h "$new" 'if .path == "bank/generic.csv" then .sha256 = $h else . end' \
        "$BATS_TEST_TMPDIR/x/2026-11-A/MANIFEST" >"$BATS_TEST_TMPDIR/m" &&
        mv "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/x/2026-11-A/MANIFEST"
    tar czf "$BATS_TEST_TMPDIR/forged.tar.gz" -C "$BATS_TEST_TMPDIR/x" 2026-11-A/MANIFEST 2026-11-A/bank 2026-11-A/payslips
    run --separate-stderr arc -q --as ctl1 verify "$BATS_TEST_TMPDIR/forged.tar.gz"
    assert_equal "$status" 65
    assert_equal "$(grep -c . <<<"$stderr")" 1
    [[ "$stderr" == *"is no journaled archive of 2026-11-A (1 journaled)" ]]
    # the same entries, only compressed again: still not the archive journaled
    gzip -dc "$a" | gzip -9n >"$BATS_TEST_TMPDIR/repacked.tar.gz"
    run --separate-stderr arc --as ctl1 verify "$BATS_TEST_TMPDIR/repacked.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"repacked or edited"*"1 mismatch: not an archive journaled" ]]
    # a file added: named
    echo extra >"$BATS_TEST_TMPDIR/x/2026-11-A/note.txt"
    tar czf "$BATS_TEST_TMPDIR/added.tar.gz" -C "$BATS_TEST_TMPDIR/x" 2026-11-A
    run --separate-stderr arc --as ctl1 verify "$BATS_TEST_TMPDIR/added.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"note.txt: not in the manifest"* ]]
    # not an archive at all; a tar.gz of something else
    echo junk >"$BATS_TEST_TMPDIR/junk.tar.gz"
    run --separate-stderr arc --as ctl1 verify "$BATS_TEST_TMPDIR/junk.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"junk.tar.gz: not a gzip'd tar archive"* ]]
    tar czf "$BATS_TEST_TMPDIR/other.tar.gz" -C "$D" bank
    run --separate-stderr arc --as ctl1 verify "$BATS_TEST_TMPDIR/other.tar.gz" 2026-11-A
    assert_equal "$status" 65
    [[ "$stderr" == *"no PERIOD/MANIFEST: not a payrun archive"*"is no journaled archive of 2026-11-A (1 journaled)"* ]]
    # the right archive asked about another period
    run --separate-stderr arc --as ctl1 verify "$a" 2026-11-B
    assert_equal "$status" 65
    [[ "$stderr" == *"the manifest is of 2026-11-A, not 2026-11-B"* ]]
    run arc --as ctl1 verify "$BATS_TEST_TMPDIR/nosuch.tar.gz"
    assert_equal "$status" 66
    # pay.db no longer holding the paysheet version the archive pays
    q acme pay "update paysheet set version = version + 1 where paysheet_id = '2026-11-A/G2'"
    run --separate-stderr arc -q --as ctl1 verify "$a"
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-archive: $a: paysheet 2026-11-A/G2: the archive names version 2, pay.db holds version 3"
}

@test "different files are the period's next archive; verify says which one each is and list shows both" {
    run_tenant
    approve
    fill_dir
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/first.tar.gz"
    printf 'SSS R3\n' >"$D/sss-r3.txt"
    export ARMMS_NOW=2026-11-22T01:00:00Z
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/second.tar.gz"
    assert_success
    [[ "$stderr" == "armms-archive: archive 2 of 2026-11-A written to"*": 4 files, 2 paysheets,"* ]]
    assert_equal "$(events | jq -r '[.seq, .file, .files] | @tsv')" "$(printf '1\tfirst.tar.gz\t3\n2\tsecond.tar.gz\t4')"
    run --separate-stderr arc --as ctl1 verify "$BATS_TEST_TMPDIR/first.tar.gz"
    assert_success
    [[ "$stderr" == *"matches archive 1 of 2026-11-A (journaled as first.tar.gz at 2026-11-21T03:00:00Z)"*"; archive 2 is the latest" ]]
    run --separate-stderr arc --as ctl1 verify "$BATS_TEST_TMPDIR/second.tar.gz"
    assert_success
    [[ "$stderr" == *"matches archive 2 of 2026-11-A (journaled as second.tar.gz at 2026-11-22T01:00:00Z): 4 files"* ]]
    [[ "$stderr" != *latest* ]]
    run arc --as ctl1 list 2026-11-A
    assert_success
    assert_equal "$(jq -r '[.kind, .seq, .file, .files, .paysheets, .archived_by] | @tsv' <<<"$output")" \
        "$(printf 'PayrunArchive\t1\tfirst.tar.gz\t3\t2\tpay1\nPayrunArchive\t2\tsecond.tar.gz\t4\t2\tpay1')"
    assert_equal "$(jq -r .sha256 <<<"$output" | paste -sd' ')" \
        "$(sha256sum "$BATS_TEST_TMPDIR/first.tar.gz" "$BATS_TEST_TMPDIR/second.tar.gz" | cut -d' ' -f1 | paste -sd' ')"
    run arc --as ctl1 list 2026-11-A --format csv
    assert_equal "$(head -1 <<<"$output")" "seq,archived_at,archived_by,file,files,paysheets,size,sha256,manifest_sha256,period"
    assert_equal "$(wc -l <<<"$output")" 3
    run arc --as ctl1 list 2026-11-B
    assert_success
    assert_output ""
}

@test "a closed run archives to the same bytes as when it was approved" {
    run_tenant
    approve
    fill_dir
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/approved.tar.gz"
    req=$(armms-payrun -q -t acme --as pay1 close 2026-11-A | jq -r .request_id)
    armms-approve -q -t acme --as ctl1 verify "$req"
    armms-approve -q -t acme --as hrm1 approve "$req" >/dev/null
    assert_equal "$(q acme pay "select status from payrun")" CLOSED
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/closed.tar.gz"
    cmp "$BATS_TEST_TMPDIR/approved.tar.gz" "$BATS_TEST_TMPDIR/closed.tar.gz"
    assert_equal "$(events | wc -l)" 1
}

@test "a run not yet approved is not archived" {
    run_tenant
    fill_dir
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"the payrun of 2026-11-A is COMPUTED: only an approved or closed run is archived" ]]
    run --separate-stderr arc --as pay1 create 2026-11-B "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"the payrun of 2026-11-B is not open"* ]]
    assert_file_not_exists "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$(events | wc -l)" 0
    assert_equal "$(q acme pay 'select count(*) from payrun_archive')" 0
    run arc --as pay1 create 2026-13-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 64
}

@test "a symbolic link, a FIFO or an empty directory is refused, naming what" {
    run_tenant
    approve
    fill_dir
    ln -s /etc/passwd "$D/bank/passwd"
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"$D/bank/passwd is a symbolic link: the archive takes regular files only"* ]]
    rm "$D/bank/passwd"
    mkfifo "$D/pipe"
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"$D/pipe is a FIFO"* ]]
    rm "$D/pipe"
    echo mine >"$D/MANIFEST"
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"the archive writes its own MANIFEST"* ]]
    mkdir "$BATS_TEST_TMPDIR/empty"
    run --separate-stderr arc --as pay1 create 2026-11-A "$BATS_TEST_TMPDIR/empty" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 65
    [[ "$stderr" == *"holds no files to archive"* ]]
    run arc --as pay1 create 2026-11-A "$BATS_TEST_TMPDIR/nosuch" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 66
    # the archive may not land in the directory it packs
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o "$D/bank/a.tar.gz"
    assert_equal "$status" 64
    assert_file_not_exists "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$(events | wc -l)" 0
}

@test "only the payroll officer archives; a timekeeper may not even verify" {
    run_tenant
    approve
    fill_dir
    run --separate-stderr arc --as hrm1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 77
    [[ "$stderr" == *"needs scope payrun.run"* ]]
    run arc --as tk1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 77
    assert_file_not_exists "$BATS_TEST_TMPDIR/a.tar.gz"
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    run arc --as tk1 verify "$BATS_TEST_TMPDIR/a.tar.gz"
    assert_equal "$status" 77
    run arc --as tk1 list 2026-11-A
    assert_equal "$status" 77
}

@test "a full disk is an output error, and nothing is journaled" {
    run_tenant
    approve
    fill_dir
    run --separate-stderr bash -c "armms-archive -t acme --as pay1 create 2026-11-A '$D' -o - >/dev/full"
    assert_equal "$status" 74
    [[ "$stderr" == *"cannot write the archive to standard output"* ]]
    run --separate-stderr arc --as pay1 create 2026-11-A "$D" -o /dev/full
    assert_equal "$status" 74
    [[ "$stderr" == *"cannot write /dev/full"* ]]
    assert_equal "$(events | wc -l)" 0
    # to standard output it is the same archive as to a file
    arc -q --as pay1 create 2026-11-A "$D" -o - >"$BATS_TEST_TMPDIR/out.tar.gz"
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/a.tar.gz"
    cmp "$BATS_TEST_TMPDIR/out.tar.gz" "$BATS_TEST_TMPDIR/a.tar.gz"
    run bash -c "armms-archive -t acme --as pay1 list 2026-11-A >/dev/full"
    assert_equal "$status" 74
}

@test "the manifest records the chain head the approval left, and verify --anchor checks the journal against it" {
    run_tenant
    approve
    fill_dir
    a="$BATS_TEST_TMPDIR/a.tar.gz"
    arc -q --as pay1 create 2026-11-A "$D" -o "$a"
    local approved
    approved=$(journal_lines acme | jq -c 'select(.event_type == "PayrunApproved" and .aggregate_id == "2026-11-A") | {seq, hash}' | tail -n 1)
    mkdir "$BATS_TEST_TMPDIR/x"
    tar xzf "$a" -C "$BATS_TEST_TMPDIR/x"
    local man=$BATS_TEST_TMPDIR/x/2026-11-A/MANIFEST
    assert_equal "$(sed -n 2p "$man")" \
        "$(jq -c '{kind: "JournalHead", tenant_id: "acme", seq, hash}' <<<"$approved")"
    # the events after it (its own PayrunArchived) change nothing in the archive
    grow_n=$(journal_lines acme | wc -l)
    arc -q --as pay1 create 2026-11-A "$D" -o "$BATS_TEST_TMPDIR/b.tar.gz"
    cmp "$a" "$BATS_TEST_TMPDIR/b.tar.gz"
    [ "$(jq .seq <<<"$approved")" -lt "$grow_n" ]
    run --separate-stderr arc --as ctl1 verify "$a"
    assert_success

    # the archive, or its MANIFEST, is an anchor
    run --separate-stderr armms-journal -t acme verify --anchor "$a"
    assert_success
    [[ "$stderr" == *"chain intact; 1 anchor matches" ]] || fail "$stderr"
    run --separate-stderr armms-journal -t acme verify --anchor "$man"
    assert_success
    # the approval re-written as someone else's and the tail re-chained
    local seq
    seq=$(jq .seq <<<"$approved")
    python3 "$ARMMS_ROOT/tests/journal_rechain.py" "$ARMMS_HOME/tenants/acme/journal" "$seq" hrm1 pay1
    assert_equal "$(journal_lines acme | jq -r "select(.seq == $seq) | .actor")" pay1
    run --separate-stderr armms-journal -t acme verify
    assert_success
    run --separate-stderr armms-journal -t acme verify --anchor "$a"
    assert_failure 65
    [[ "$stderr" == *"seq $seq hashes to "*"the anchor ($a:2) says "*"rewritten from seq $seq on"* ]] || fail "$stderr"
    # a file that is no payrun archive
    gzip -c "$man" >"$BATS_TEST_TMPDIR/not.gz"
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/not.gz"
    assert_failure 65
    [[ "$stderr" == *"--anchor $BATS_TEST_TMPDIR/not.gz: not a gzip'd tar archive"* ]] || fail "$stderr"
}
