# bash completion for msrtrap(1)                      -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installed as <completionsdir>/msrtrap (bash-completion loads it on
# demand); also works on its own: `source completions/msrtrap.bash`.
# Self-contained: needs no helper of the bash-completion package.

_msrtrap_commands='names decode check query explain compile diff merge sim verify kvm-check'

# Canonical MSR names from the database of the msrtrap being completed.
_msrtrap_msr_names()
{
	local prog=$1
	"$prog" names 2>/dev/null | while read -r _ name _; do
		printf '%s\n' "$name"
	done
}

_msrtrap()
{
	local cur prev cmd i word
	local -a words=("${COMP_WORDS[@]}")
	local cword=$COMP_CWORD
	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}

	# --opt=value: bash splits at '=' (COMP_WORDBREAKS)
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((cword > 1)); then
		prev=${words[cword - 2]}
	fi

	# the command: the first word after the program that is not an option
	cmd=
	for ((i = 1; i < cword; i++)); do
		word=${words[i]}
		case $word in
		-*) ;;
		*)
			cmd=$word
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '-h --help -V --version' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$_msrtrap_commands help" -- "$cur")
		fi
		return 0
	fi

	# arguments of options
	case $prev in
	--format | -f)
		if [[ $cmd == decode ]]; then
			mapfile -t COMPREPLY < <(compgen -W 'vmx svm' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W 'policy json vmx svm' -- "$cur")
		fi
		return 0
		;;
	--to | -t)
		mapfile -t COMPREPLY < <(compgen -W 'kvm c rust vmx svm vmx-c svm-c policy' -- "$cur")
		return 0
		;;
	--strategy | -s)
		if [[ $cmd == sim ]]; then
			mapfile -t COMPREPLY < <(compgen -W 'reapply-all skip-intercepted recompute delta all' -- "$cur")
			return 0
		fi
		;;
	--vendor | -v)
		[[ $cmd == merge ]] && mapfile -t COMPREPLY < <(compgen -W 'vmx svm' -- "$cur")
		return 0
		;;
	--kernel | -k)
		[[ $cmd == merge ]] && mapfile -t COMPREPLY < <(compgen -W 'v6.0 v6.19' -- "$cur")
		return 0
		;;
	--controls | -c)
		# a comma-separated list: complete the word after the last comma
		if [[ $cmd == merge ]]; then
			local head=${cur%,*}, tail=${cur##*,}
			[[ $cur != *,* ]] && head=
			mapfile -t COMPREPLY < <(compgen -P "$head" -W 'msr-bitmaps virt-x2apic apic-reg-virt vid msr-prot none' -- "$tail")
		fi
		return 0
		;;
	--output | -o)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--name | -n)
		[[ $cmd == compile ]] && return 0
		;;
	--max-input)
		# a size: 64M, 1G, bytes
		return 0
		;;
	esac

	# every command takes the short and the long form (msrtrap(1))
	local opts
	case $cmd in
	names | kvm-check) opts='-j --json' ;;
	diff) opts='-j --json --max-input' ;;
	merge) opts='-v --vendor -k --kernel -c --controls -o --output -j --json --max-input' ;;
	decode | query | explain) opts='-f --format -j --json --max-input' ;;
	check) opts='-f --format -j --json --strict --max-input' ;;
	compile) opts='-t --to -o --output -n --name -f --format --strict --json-diagnostics --max-input' ;;
	sim) opts='-s --strategy -j --json --allow-paths --max-input' ;;
	verify) opts='-a --all -l --list -j --json --strict --max-input' ;;
	help) opts= ;;
	*) return 0 ;;
	esac

	# positional arguments: count those before the cursor; options may
	# sit anywhere among them, and after -- every word is one
	local npos=0 skip=0 ended=0
	for ((i = i + 1; i < cword; i++)); do
		word=${words[i]}
		if ((skip)); then
			skip=0
			continue
		fi
		if ((ended)); then
			((npos++))
			continue
		fi
		case $word in
		--) ended=1 ;;
		--format | -f | --to | -t | --strategy | -s | --output | -o | --name | -n | --max-input | \
			--vendor | -v | --kernel | -k | --controls | -c)
			skip=1
			;;
		=) skip=1 ;;
		-*) ;;
		*) ((npos++)) ;;
		esac
	done

	if [[ $cur == -* ]] && ((!ended)); then
		[[ $cmd != help ]] && opts="$opts -h --help"
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return 0
	fi

	case $cmd in
	help)
		# one COMMAND
		((npos == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "$_msrtrap_commands" -- "$cur")
		return 0
		;;
	names)
		# PATTERN: an MSR name
		[[ -n $cur ]] &&
			mapfile -t COMPREPLY < <(compgen -W "$(_msrtrap_msr_names "${words[0]}")" -- "${cur^^}")
		return 0
		;;
	kvm-check)
		return 0
		;;
	query | explain)
		# FILE, then MSRs
		if ((npos >= 1)); then
			[[ -n $cur ]] &&
				mapfile -t COMPREPLY < <(compgen -W "$(_msrtrap_msr_names "${words[0]}")" -- "${cur^^}")
			return 0
		fi
		;;
	diff | merge)
		((npos >= 2)) && return 0
		;;
	*)
		((npos >= 1)) && return 0
		;;
	esac

	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	return 0
}

complete -F _msrtrap msrtrap
