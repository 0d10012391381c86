# Helpful mistakes and shell completion, in every tool: the nearest tenant,
# verb, kind or tool for a typo; a missing tenant that is not advice to
# create one; a refusal naming the roles that hold the scope; the exit
# codes in every --help; bash completion asked of the tools themselves.
load test_helper

TOOLS=(armms armms-init armms-import armms-ingest armms-journal armms-sample armms-timelog
    armms-dtr armms-timesheet armms-approve armms-pay armms-deduct armms-payrun armms-payslip
    armms-bank armms-register armms-remit armms-archive armms-report armms-notify)

tdir() { echo "$ARMMS_HOME/tenants/$1"; }

# A tenant with a payroll officer and a timekeeper.
staffed_tenant() {
    armms-init -q -t "$1"
    printf '%s\n' 'user_id,name,roles' 'pay1,Paz Reyes,payroll_officer' 'tk1,Tomas Cruz,timekeeper' |
        armms-import -q -t "$1" --format csv user
}

# What the completion offers for a command line: complete WORD... CURRENT
complete_line() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _armms
    printf '%s\n' "${COMPREPLY[@]}"
}

# --- tenants ------------------------------------------------------------

@test "a mistyped tenant names the nearest one, exits 78 and creates nothing" {
    armms-init -q -t acme
    run --separate-stderr armms-dtr -t acm --period 2026-11-A
    assert_failure 78
    assert_equal "$stderr" "armms-dtr: tenant acm does not exist under $ARMMS_HOME (did you mean 'acme'?)"
    ARMMS_TENANT=acmee run --separate-stderr armms-journal verify
    assert_failure 78
    assert_equal "$stderr" "armms-journal: tenant acmee does not exist under $ARMMS_HOME (did you mean 'acme'?)"
    assert_not_exists "$(tdir acm)"
    assert_not_exists "$(tdir acmee)"
}

@test "a tenant nowhere near any lists the tenants there and does not advise armms-init" {
    armms-init -q -t acme
    armms-init -q -t harbor
    run --separate-stderr armms-payrun -t zeta status 2026-11-A
    assert_failure 78
    assert_equal "$stderr" "armms-payrun: tenant zeta does not exist under $ARMMS_HOME; the tenants there: acme, harbor"
    [[ "$stderr" != *armms-init* ]] || fail "$stderr"
    assert_not_exists "$(tdir zeta)"
}

@test "a home with many tenants lists the first eight and says how many more" {
    local t
    for t in t01 t02 t03 t04 t05 t06 t07 t08 t09 t10; do mkdir -p "$(tdir $t)"; done
    run --separate-stderr armms-import -t zeta user /dev/null
    assert_failure 78
    assert_equal "$stderr" "armms-import: tenant zeta does not exist under $ARMMS_HOME; the tenants there: t01, t02, t03, t04, t05, t06, t07, t08 and 2 more (armms-init --list)"
}

@test "only a home without tenants is told how to create one" {
    run --separate-stderr armms-timesheet -t acme --validate --period 2026-11-A
    assert_failure 78
    assert_equal "$stderr" "armms-timesheet: tenant acme does not exist under $ARMMS_HOME, which has no tenants yet; armms-init -t acme creates one"
    assert_not_exists "$(tdir acme)"
}

# --- permissions ----------------------------------------------------------

@test "a refusal names the scope and the roles that hold it, and changes nothing" {
    staffed_tenant acme
    local before
    before=$(journal_lines acme | wc -l)
    run --separate-stderr armms-timelog -t acme --as pay1 --period 2026-11-A
    assert_failure 77
    assert_equal "$stderr" "armms-timelog: user 'pay1' of tenant acme may not timekeeping.run (needs scope timekeeping.run, held by ops, timekeeper)"
    run --separate-stderr armms-payrun -t acme --as tk1 status 2026-11-A
    assert_failure 77
    assert_equal "$stderr" "armms-payrun: user 'tk1' of tenant acme may not paysheet.read (needs scope paysheet.read, held by controller, finance_officer, hr_manager, payroll_officer)"
    assert_equal "$(journal_lines acme | wc -l)" "$before"
}

@test "a scope no role holds by name is held by the roles that hold every scope" {
    staffed_tenant acme
    run --separate-stderr armms-init -t acme --as pay1
    assert_failure 77
    assert_equal "$stderr" "armms-init: user 'pay1' of tenant acme may not tenant.admin (needs scope tenant.admin, held by admin)"
}

@test "a role the tenant gives a scope is named among its holders" {
    staffed_tenant acme
    printf '%s\n' 'role_id,name,scopes' 'night_desk,Night desk,"timekeeping.run,approval.read"' |
        armms-import -q -t acme --format csv role
    run --separate-stderr armms-dtr -t acme --as pay1 --period 2026-11-A
    assert_failure 77
    assert_equal "$stderr" "armms-dtr: user 'pay1' of tenant acme may not timekeeping.run (needs scope timekeeping.run, held by night_desk, ops, timekeeper)"
}

# --- verbs, kinds, tools -------------------------------------------------

@test "a mistyped verb names the nearest before any tenant or user is looked at" {
    run --separate-stderr armms-payrun -t nowhere stauts 2026-11-A
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-payrun: unknown command 'stauts' (did you mean 'status'?)"
    run --separate-stderr armms-journal -t nowhere verfy
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: unknown command 'verfy' (did you mean 'verify'?)"
    run --separate-stderr armms-timelog -t nowhere adjust mvoe X --reason r
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-timelog: unknown adjust action 'mvoe' (did you mean 'move'?)"
    run --separate-stderr armms-sample evnts
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-sample: unknown command 'evnts' (did you mean 'events'?)"
    run --separate-stderr armms-approve -t nowhere aprove X
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: unknown command 'aprove' (did you mean 'approve'?)"
    assert_not_exists "$(tdir nowhere)"
}

@test "a verb nowhere near any is unknown without a guess" {
    run --separate-stderr armms-journal rewind
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: unknown command 'rewind'"
}

@test "a mistyped kind names the nearest kind; one nowhere near lists them all" {
    armms-init -q -t acme
    local kinds
    kinds=$(armms-import --complete | sed -n 's/^verb //p' | tr '\n' ' ')
    kinds=${kinds% }
    run --separate-stderr armms-import -t acme guards /dev/null
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-import: unknown kind 'guards' (did you mean 'guard'? one of: $kinds)"
    run --separate-stderr armms-import -t acme asignment /dev/null
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-import: unknown kind 'asignment' (did you mean 'assignment'? one of: $kinds)"
    run --separate-stderr armms-import -t acme paychecks /dev/null
    assert_failure 64
    [[ "$(head -n 1 <<<"$stderr")" == "armms-import: unknown kind 'paychecks' (one of: position detachment shift guard "* ]] ||
        fail "$stderr"
    assert_equal "$(q acme hr 'select count(*) from guard')" 0
}

@test "armms with a mistyped tool names the nearest one" {
    run --separate-stderr armms injest -t acme x.ndjson
    assert_failure 64
    assert_equal "$stderr" "armms: 'injest' is not an armms verb (did you mean 'ingest'?)"
    run --separate-stderr armms payrn status 2026-11-A
    assert_failure 64
    assert_equal "$stderr" "armms: 'payrn' is not an armms verb (did you mean 'payrun'?)"
    run --separate-stderr armms teleport
    assert_failure 64
    assert_equal "$stderr" "armms: 'teleport' is not an armms verb; try 'armms --help'"
    # every tool armms names runs
    local v
    for v in $(armms --complete | sed -n 's/^verb //p'); do
        run armms "$v" --version
        assert_success
        assert_output "armms-$v 0.1.0"
    done
}

# --- exit codes in --help ------------------------------------------------

# The Exit status block of a --help text.
exit_block() { awk '/^Exit status:$/ { p = 1; next } p && /^$/ { exit } p' <<<"$1"; }

@test "every tool's --help ends with its exit codes in one format" {
    local t help block
    for t in "${TOOLS[@]}"; do
        help=$("$t" --help) || fail "$t --help failed"
        block=$(exit_block "$help")
        [ -n "$block" ] || fail "$t --help has no Exit status block"
        # each line a code and its meaning, or the meaning going on
        if grep -vqE '^  ( [0-9]|[0-9]{2})  [^ ]|^      [^ ]' <<<"$block"; then
            fail "$t: a line out of format: $(grep -vE '^  ( [0-9]|[0-9]{2})  [^ ]|^      [^ ]' <<<"$block")"
        fi
        # codes in increasing order, 0 and 64 in each
        local codes
        codes=$(grep -oE '^  ( [0-9]|[0-9]{2})' <<<"$block" | tr -d ' ' | tr '\n' ' ')
        [ "$codes" = "$(tr ' ' '\n' <<<"$codes" | sed '/^$/d' | sort -n | tr '\n' ' ')" ] ||
            fail "$t: codes out of order: $codes"
        [[ " $codes" == " 0 64 "* ]] || fail "$t: no 0 or 64: $codes"
        # a tool that opens a tenant says 77 and 78
        case $t in armms | armms-sample) ;; *) [[ "$codes" == *"77 78 " ]] || fail "$t: no 77, 78: $codes" ;; esac
        # the block is the last thing --help prints, in 80 columns
        assert_equal "$(tail -n 1 <<<"$help")" "$(tail -n 1 <<<"$block")"
        ! awk 'length > 80' <<<"$block" | grep -q . || fail "$t: exit codes wider than 80 columns"
    done
}

@test "every tool's --help fits in 80 columns" {
    local t
    for t in "${TOOLS[@]}"; do
        "$t" --help | awk -v t="$t" 'length > 80 { print t ": " length ": " $0; bad = 1 } END { exit bad }' ||
            fail "wider than 80 columns"
    done
}

@test "a file beside the tenants is not a tenant" {
    armms-init -q -t acme
    : >"$ARMMS_HOME/tenants/notes"
    run armms-init --list
    assert_success
    assert_output acme
    run --separate-stderr armms-dtr -t note --period 2026-11-A
    assert_failure 78
    assert_equal "$stderr" "armms-dtr: tenant note does not exist under $ARMMS_HOME; the tenants there: acme"
}

@test "every exit code a --help lists is in the EXIT STATUS of its man page" {
    local t code man
    for t in "${TOOLS[@]}"; do
        man=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$ARMMS_ROOT/man/$t.1")
        [ -n "$man" ] || fail "man/$t.1 has no EXIT STATUS"
        for code in $(exit_block "$("$t" --help)" | grep -oE '^  ( [0-9]|[0-9]{2})' | tr -d ' '); do
            grep -qE "(^|[^0-9])$code([^0-9]|$)" <<<"$man" || fail "$t: exit $code is not in man/$t.1"
        done
    done
}

# --- completion ----------------------------------------------------------

@test "the completion script is plain bash and registers every tool" {
    run bash -n "$ARMMS_ROOT/man/armms.bash"
    assert_success
    source "$ARMMS_ROOT/man/armms.bash"
    local t
    for t in "${TOOLS[@]}"; do
        run complete -p "$t"
        assert_success
        assert_output "complete -F _armms $t"
    done
}

@test "completion offers the tools after armms, and the verbs after a tool" {
    source "$ARMMS_ROOT/man/armms.bash"
    assert_equal "$(complete_line armms in | tr '\n' ' ')" "ingest init "
    run complete_line armms ""
    local t
    for t in "${TOOLS[@]}"; do
        [ "$t" = armms ] || assert_line "${t#armms-}"
    done
    assert_equal "$(complete_line armms payrun st)" status
    assert_equal "$(complete_line armms-payrun "" | tr '\n' ' ')" \
        "open compute status show approve reject holds resolve final close "
    assert_equal "$(complete_line armms-journal -t acme ca)" cat
    assert_equal "$(complete_line armms-sample e)" events
    assert_equal "$(complete_line armms-timelog "" | tr '\n' ' ')" "adjust "
    assert_equal "$(complete_line armms-timelog --as tk1 adjust "" | tr '\n' ' ')" "add void move "
    assert_equal "$(complete_line armms timelog adjust m)" move
}

@test "completion offers the kinds of armms-import, and files after the kind" {
    source "$ARMMS_ROOT/man/armms.bash"
    assert_equal "$(complete_line armms-import gu)" guard
    assert_equal "$(complete_line armms-import -t acme --format csv as)" assignment
    cd "$BATS_TEST_TMPDIR"
    touch guards-2026.csv
    assert_equal "$(complete_line armms-import guard guards)" guards-2026.csv
}

@test "completion offers long options, and the values an option lists" {
    source "$ARMMS_ROOT/man/armms.bash"
    run complete_line armms-payrun --
    assert_line --tenant
    assert_line --format
    assert_line --reason
    assert_line --guard
    refute_line --complete
    assert_equal "$(complete_line armms-payrun status 2026-11-A --format "" | tr '\n' ' ')" "table ndjson csv "
    assert_equal "$(complete_line armms ingest --format z | tr '\n' ' ')" "zk zk-push "
    assert_equal "$(complete_line armms-timelog adjust add --ty)" --type
    assert_equal "$(complete_line armms-register --format x)" xlsx
}

@test "completion offers the tenants under ARMMS_HOME after -t and --tenant" {
    source "$ARMMS_ROOT/man/armms.bash"
    armms-init -q -t acme
    armms-init -q -t harbor
    assert_equal "$(complete_line armms-dtr -t "" | tr '\n' ' ')" "acme harbor "
    assert_equal "$(complete_line armms payrun --tenant h)" harbor
    # an option's argument is not taken for a verb
    assert_equal "$(complete_line armms-payrun -t acme st)" status
    # another home, as the tools find it
    ARMMS_HOME="$BATS_TEST_TMPDIR/other" armms-init -q -t zeta
    assert_equal "$(ARMMS_HOME="$BATS_TEST_TMPDIR/other" complete_line armms-dtr -t "")" zeta
}

@test "every option completion offers is one its tool accepts" {
    local t o meta
    for t in "${TOOLS[@]}"; do
        [ "$t" = armms ] && continue
        while read -r o meta; do
            run --separate-stderr "$t" "$o" ${meta:+x} --help
            [[ "$stderr" != *"unrecognized option"* && "$stderr" != *"invalid option"* &&
                "$stderr" != *"requires an argument"* && "$stderr" != *"doesn't allow"* ]] ||
                fail "$t $o ${meta:+x}: $stderr"
        done < <("$t" --complete | sed -n 's/^option //p')
    done
}

@test "make install puts the completion where bash-completion loads it, and uninstall removes it" {
    local d="$BATS_TEST_TMPDIR/root" dir=/usr/share/bash-completion/completions t
    make -s -C "$ARMMS_ROOT" install DESTDIR="$d" PREFIX=/usr BASHCOMPDIR=$dir >/dev/null
    assert_file_exists "$d$dir/armms"
    cmp "$ARMMS_ROOT/man/armms.bash" "$d$dir/armms"
    for t in "${TOOLS[@]}"; do
        [ "$t" = armms ] && continue
        assert_link_exists "$d$dir/$t"
        assert_equal "$(readlink "$d$dir/$t")" armms
    done
    make -s -C "$ARMMS_ROOT" uninstall DESTDIR="$d" PREFIX=/usr BASHCOMPDIR=$dir >/dev/null
    assert_equal "$(find "$d" ! -type d | wc -l)" 0
}

@test "make install without BASHCOMPDIR uses bash-completion's directory or PREFIX's" {
    local d="$BATS_TEST_TMPDIR/root" dir
    dir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null) || dir=
    [ -n "$dir" ] || dir=/opt/armms/share/bash-completion/completions
    make -s -C "$ARMMS_ROOT" install DESTDIR="$d" PREFIX=/opt/armms >/dev/null
    assert_file_exists "$d$dir/armms"
    make -s -C "$ARMMS_ROOT" uninstall DESTDIR="$d" PREFIX=/opt/armms >/dev/null
    assert_not_exists "$d$dir/armms"
}
