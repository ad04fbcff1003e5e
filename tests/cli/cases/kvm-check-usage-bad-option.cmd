msrtrap kvm-check --bogus
