# armms.bash - bash completion for armms and every armms-VERB tool.
#
# Nothing here lists a verb, kind or option: each tool says what it takes
# when asked with its hidden --complete option (lines "verb [LEAD] NAME",
# "option --NAME [METAVAR]", "value --NAME WORD"), read from the same tables
# and usage text as its --help, so completion cannot drift from the tools.
# Tenant names come from `armms-init --list`, the tenants under ARMMS_HOME
# as the tools find it. Needs bash alone (not the bash-completion package);
# `make install` puts it where bash-completion loads it from, as armms and
# a link per tool.

# The --complete lines of the tool named by word (a path is run as typed;
# a bare name from the directory of armms, as armms itself runs it).
_armms_lines() {
    "$1" --complete 2>/dev/null
}

# The directory the tools of this command line live in, with a slash, or
# nothing when they are found on PATH.
_armms_dir() {
    case $1 in
    */*) printf '%s/' "${1%/*}" ;;
    esac
}

_armms() {
    local cur=${COMP_WORDS[COMP_CWORD]} first=${COMP_WORDS[0]} i=1
    local dir tool lines w j
    COMPREPLY=()
    dir=$(_armms_dir "$first")
    tool=$first
    if [ "${first##*/}" = armms ]; then
        if [ "$COMP_CWORD" -eq 1 ]; then
            # the verbs armms knows, and any other armms-VERB installed
            local verbs
            verbs=$(_armms_lines "$first" | sed -n 's/^verb //p'
                compgen -c armms- | sed 's/^armms-//')
            if [[ $cur == -* ]]; then
                verbs=$(_armms_lines "$first" | sed -n 's/^option //p' | cut -d' ' -f1)
            fi
            mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur" | sort -u)
            return 0
        fi
        [ -z "$dir" ] && dir=$(_armms_dir "$(command -v armms 2>/dev/null)")
        tool=${dir}armms-${COMP_WORDS[1]}
        [ -x "$tool" ] || tool=armms-${COMP_WORDS[1]}
        i=2
    fi
    lines=$(_armms_lines "$tool") || return 0

    # the argument of an option that takes one
    local prev=${COMP_WORDS[COMP_CWORD - 1]}
    if [ "$COMP_CWORD" -gt "$i" ] && [[ $prev == -* ]]; then
        local meta values
        meta=$(awk -v o="$prev" '$1 == "option" && $2 == o && NF > 2 { print $3; exit }' <<<"$lines")
        if [ -n "$meta" ]; then
            values=$(awk -v o="$prev" '$1 == "value" && $2 == o { print $3 }' <<<"$lines")
            if [ "$prev" = -t ] || [ "$prev" = --tenant ]; then
                local init=${dir}armms-init
                [ -x "$init" ] || init=armms-init
                values=$("$init" --list 2>/dev/null)
            fi
            if [ -n "$values" ]; then
                mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
            else
                case $meta in
                DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
                *FILE* | PATH | *.*) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
                esac
                compopt -o filenames 2>/dev/null
            fi
            return 0
        fi
    fi

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(sed -n 's/^option //p' <<<"$lines" |
            cut -d' ' -f1 | sort -u)" -- "$cur")
        return 0
    fi

    # the operands so far, options and their arguments left out
    local ops=()
    for ((j = i; j < COMP_CWORD; j++)); do
        w=${COMP_WORDS[j]}
        if [[ $w == -* ]]; then
            if [[ $w != *=* ]] && awk -v o="$w" '$1 == "option" && $2 == o && NF > 2 { f = 1 }
                END { exit !f }' <<<"$lines"; then
                j=$((j + 1))
            fi
            continue
        fi
        ops+=("$w")
    done
    # the verbs that follow them ("verb adjust add" after "adjust")
    local verbs
    verbs=$(awk -v ops="${ops[*]}" '
        $1 == "verb" { lead = ""; for (k = 2; k < NF; k++) lead = lead (k > 2 ? " " : "") $k
                       if (lead == ops) print $NF }' <<<"$lines")
    if [ -n "$verbs" ]; then
        mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
    fi
    return 0
}

# armms and every tool it knows of or that is installed (armms-*).
complete -F _armms armms $( (armms --complete 2>/dev/null | sed -n 's/^verb /armms-/p'
    compgen -c armms-) | sort -u)
