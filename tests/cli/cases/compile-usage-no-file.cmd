msrtrap compile --to kvm
