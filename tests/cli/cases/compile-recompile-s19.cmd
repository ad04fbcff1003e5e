msrtrap compile s19.json --to kvm -o s19-packed.json && msrtrap diff s19.json s19-packed.json && msrtrap check s19-packed.json
