# bash completion for gilsim                                 -*- shell-script -*-
#
# Commands, each command's options (read from its own --help), the values
# of the options that take a fixed set, bundled scenario names (gilsim list
# --names) and files. Installed as share/bash-completion/completions/gilsim.

_gilsim()
{
    local cur prev cmd gilsim
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    gilsim=${COMP_WORDS[0]}
    local commands="run validate view render trace explain list bench sweep measure calibrate help"

    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}

    case $prev in
        -o|--output|--plot|--headless|--profile|--save|--python|--png|--svg)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --sweep)
            COMPREPLY=($(compgen -f -X '!*.csv' -- "$cur") $(compgen -d -- "$cur"))
            return ;;
        --format)
            if [[ $cmd == render ]]; then
                COMPREPLY=($(compgen -W "png svg" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "chrome perfetto chrometrace csv" -- "$cur"))
            fi
            return ;;
        --theme)
            COMPREPLY=($(compgen -W "light dark" -- "$cur"))
            return ;;
        --set|-D|--compare|--seed|-s|--until|--size|--range|--scale|--runs|--jobs|--max-size|--max-records|--at|--thread|--speed|--only|--x|--metrics)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        local opts
        opts=$("$gilsim" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    case $cmd in
        help)
            [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            return ;;
        list|bench|calibrate)
            return ;;
    esac
    local names
    names=$("$gilsim" list --names 2>/dev/null)
    COMPREPLY=($(compgen -W "$names" -- "$cur") $(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _gilsim gilsim
