msrtrap kvm-check --help
