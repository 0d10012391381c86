load test_helper
bats_require_minimum_version 1.5.0

# A tenant moved to another host: armms-init --export writes its stores
# (SQLite's online backup), journal and cursors as one .tar.gz with a
# manifest of SHA-256s, consistent while tools run; --restore makes the
# tenant on the other side only from an archive that is whole, and never
# over an existing tenant.

host_a() { export ARMMS_HOME="$BATS_TEST_TMPDIR/a"; }
host_b() { export ARMMS_HOME="$BATS_TEST_TMPDIR/b"; }

# A tenant with master data, punches through the chain and a consumer cursor.
worked_tenant() {
    host_a
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    {
        tk_punch G1-in G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch G1-out G1 2026-10-20T18:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    armms-journal -q -t acme cat --consumer tests >/dev/null
}

# Rebuild the archive at $1 from the directory $2 (its files as they are).
repack() { (cd "$2" && tar czf "$1" --owner=0 --group=0 *.db tenant.conf journal manifest.json); }

no_leftovers() {
    run find "$ARMMS_HOME/tenants" -maxdepth 1 -name '.restore-*'
    assert_output ""
}

@test "an exported tenant restores on another home whole: the same stores, journal and cursors, verified" {
    worked_tenant
    run --separate-stderr armms-init --export acme "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
    [[ "$stderr" =~ ^"armms-init: tenant acme exported to $BATS_TEST_TMPDIR/acme.tar.gz: "[0-9]+" files"$ ]] || fail "$stderr"
    # the manifest names every file with its size and SHA-256
    mkdir "$BATS_TEST_TMPDIR/x" && tar xzf "$BATS_TEST_TMPDIR/acme.tar.gz" -C "$BATS_TEST_TMPDIR/x"
    (cd "$BATS_TEST_TMPDIR/x" && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum -c --quiet)
    assert_equal "$(jq -r '[.kind, .tenant] | @tsv' "$BATS_TEST_TMPDIR/x/manifest.json")" "$(printf 'TenantExport\tacme')"
    assert_equal "$(jq -r '.files[].path' "$BATS_TEST_TMPDIR/x/manifest.json" | grep -c '^journal/cursors/tests$')" 1
    # its fields are the schema's, and each path one the schema allows
    assert_equal "$(jq --slurpfile s "$ARMMS_ROOT/schemas/tenant-export.schema.json" \
        '($s[0].properties | keys) as $p | ($s[0].required) as $r
         | (keys - $p | length == 0) and ($r - keys | length == 0)
         and all(.files[]; .path | test($s[0].properties.files.items.properties.path.pattern))' \
        "$BATS_TEST_TMPDIR/x/manifest.json")" true
    local sheets events
    sheets=$(q acme tk 'select * from timesheet order by 1, 2')
    events=$(journal_lines acme | sha256sum)

    host_b
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
    [[ "$stderr" =~ ^"armms-init: tenant acme restored from $BATS_TEST_TMPDIR/acme.tar.gz: "[0-9]+" files; claimed for host "[^\ ]+$ ]] || fail "$stderr"
    assert_equal "$(q acme tk 'select * from timesheet order by 1, 2')" "$sheets"
    assert_equal "$(journal_lines acme | sha256sum)" "$events"
    assert_equal "$(stat -c %a "$ARMMS_HOME/tenants/acme")" 700
    run --separate-stderr armms-journal -t acme verify --stores
    assert_success
    # the consumer goes on from where it was on the other host
    run armms-journal -q -t acme cat --consumer tests
    assert_output ""
    # and the chain runs on: a late punch lands and journals after the restored tail
    tk_punch G1-in2 G1 2026-10-21T05:58:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in2"
    tk_chain acme "$BATS_TEST_TMPDIR/in2"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    no_leftovers
}

@test "a restore never writes over a tenant, and -t must name the one the archive holds" {
    worked_tenant
    armms-init -q --export acme "$BATS_TEST_TMPDIR/acme.tar.gz"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_failure 73
    assert_equal "$stderr" "armms-init: tenant acme already exists at $ARMMS_HOME/tenants/acme: a restore never writes over one"
    host_b
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz" -t harbor
    assert_failure 64
    assert_equal "$stderr" "armms-init: $BATS_TEST_TMPDIR/acme.tar.gz is tenant acme, not harbor"
    assert [ ! -e "$ARMMS_HOME/tenants/harbor" ]
    assert [ ! -e "$ARMMS_HOME/tenants/acme" ]
    no_leftovers
}

@test "a damaged archive is refused naming what is wrong, and nothing is left behind" {
    worked_tenant
    armms-init -q --export acme "$BATS_TEST_TMPDIR/acme.tar.gz"
    local x=$BATS_TEST_TMPDIR/x
    mkdir "$x" && tar xzf "$BATS_TEST_TMPDIR/acme.tar.gz" -C "$x"
    host_b

    # a line of the journal edited after the export
    cp -a "$x" "$x.edit"
    sed -i '3s/"actor":"/"actor":"x/' "$x.edit/journal/000001.ndjson"
    ! cmp -s "$x/journal/000001.ndjson" "$x.edit/journal/000001.ndjson"
    repack "$BATS_TEST_TMPDIR/edit.tar.gz" "$x.edit"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/edit.tar.gz"
    assert_failure 65
    assert_equal "$stderr" "armms-init: $BATS_TEST_TMPDIR/edit.tar.gz is not a tenant export ARMMS can restore: journal/000001.ndjson is not what its manifest says (SHA-256)"

    # the same edit with the manifest made to agree: the chain gives it away
    jq -c --arg s "$(sha256sum <"$x.edit/journal/000001.ndjson" | cut -d' ' -f1)" --argjson n "$(stat -c %s "$x.edit/journal/000001.ndjson")" \
        '.files |= map(if .path == "journal/000001.ndjson" then .sha256 = $s | .size = $n else . end)' \
        "$x.edit/manifest.json" >"$x.edit/m" && mv "$x.edit/m" "$x.edit/manifest.json"
    repack "$BATS_TEST_TMPDIR/forged.tar.gz" "$x.edit"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/forged.tar.gz"
    assert_failure 65
    [[ "$stderr" == "armms-init: $BATS_TEST_TMPDIR/forged.tar.gz is not a tenant export ARMMS can restore: its journal does not verify: "* ]] || fail "$stderr"

    # a store missing, a file the manifest does not name, no manifest, cut short, not an archive
    cp -a "$x" "$x.miss" && rm "$x.miss/pay.db"
    (cd "$x.miss" && tar czf "$BATS_TEST_TMPDIR/miss.tar.gz" *.db tenant.conf journal manifest.json)
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/miss.tar.gz"
    assert_failure 65
    assert_equal "$stderr" "armms-init: $BATS_TEST_TMPDIR/miss.tar.gz is not a tenant export ARMMS can restore: its files are not the ones its manifest names"
    cp -a "$x" "$x.extra" && echo x >"$x.extra/journal/cursors/other"
    repack "$BATS_TEST_TMPDIR/extra.tar.gz" "$x.extra"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/extra.tar.gz"
    assert_failure 65
    (cd "$x" && tar czf "$BATS_TEST_TMPDIR/nomanifest.tar.gz" *.db tenant.conf journal)
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/nomanifest.tar.gz"
    assert_failure 65
    assert_equal "$stderr" "armms-init: $BATS_TEST_TMPDIR/nomanifest.tar.gz is not a tenant export ARMMS can restore: it has no manifest.json"
    head -c 2000 "$BATS_TEST_TMPDIR/acme.tar.gz" >"$BATS_TEST_TMPDIR/cut.tar.gz"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/cut.tar.gz"
    assert_failure 65
    echo "not an archive" >"$BATS_TEST_TMPDIR/junk.tar.gz"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/junk.tar.gz"
    assert_failure 65
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/none.tar.gz"
    assert_failure 66
    # a name no tenant has, as a path out of the tenant
    mkdir -p "$x.evil/sub" && cp -a "$x/." "$x.evil/" && echo x >"$x.evil/sub/evil"
    (cd "$x.evil" && tar czf "$BATS_TEST_TMPDIR/evil.tar.gz" --transform 's,^sub/evil,../evil,' *.db tenant.conf journal manifest.json sub/evil)
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/evil.tar.gz"
    assert_failure 65
    assert [ ! -e "$ARMMS_HOME/tenants/../evil" ]
    assert [ ! -e "$ARMMS_HOME/evil" ]

    assert [ ! -e "$ARMMS_HOME/tenants/acme" ]
    no_leftovers
    # the good archive still restores
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
}

@test "an export taken while punches land is consistent: the restored tenant verifies and heals its outbox" {
    worked_tenant
    local i
    for i in $(seq 1 40); do
        tk_punch "L$i" G1 "2026-10-2$((i % 9 + 1))T06:0$((i % 10)):00+08:00" IN DET1
    done >"$BATS_TEST_TMPDIR/more"
    (for i in 1 2 3 4; do armms-ingest -q -t acme "$BATS_TEST_TMPDIR/more" >/dev/null; done) &
    local pid=$!
    armms-init -q --export acme "$BATS_TEST_TMPDIR/live.tar.gz"
    wait "$pid"
    host_b
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/live.tar.gz"
    assert_success
    # whatever committed before the copy but was not yet journaled is journaled now, once
    run --separate-stderr armms-journal -t acme sync
    run --separate-stderr armms-journal -t acme verify --stores
    assert_success
}

@test "only a tenant admin exports; usage errors are 64" {
    worked_tenant
    run --separate-stderr armms-init --as nobody --export acme "$BATS_TEST_TMPDIR/x.tar.gz"
    assert_failure 77
    assert [ ! -e "$BATS_TEST_TMPDIR/x.tar.gz" ]
    run --separate-stderr armms-init --export acme
    assert_failure 64
    run --separate-stderr armms-init --export acme a.tar.gz --restore a.tar.gz
    assert_failure 64
    run --separate-stderr armms-init --export ghost "$BATS_TEST_TMPDIR/x.tar.gz"
    assert_failure 78
}
