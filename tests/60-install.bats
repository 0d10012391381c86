load test_helper

@test "make install puts every tool and man page under DESTDIR/PREFIX and uninstall removes them" {
    local d="$BATS_TEST_TMPDIR/root"
    make -s -C "$ARMMS_ROOT" install DESTDIR="$d" PREFIX=/usr >/dev/null
    local t
    for t in armms armms-init armms-import armms-ingest armms-journal armms-sample; do
        assert_file_executable "$d/usr/bin/$t"
        [ "$t" = armms ] || assert_file_exists "$d/usr/share/man/man1/$t.1"
    done
    assert_file_exists "$d/usr/share/man/man7/armms.7"
    run "$d/usr/bin/armms" init --version
    assert_success
    make -s -C "$ARMMS_ROOT" uninstall DESTDIR="$d" PREFIX=/usr >/dev/null
    assert_equal "$(find "$d" -type f | wc -l)" 0
}
