msrtrap kvm-check extra
