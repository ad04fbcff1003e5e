msrtrap merge -c msr-bitmaps,bogus all.vmx all.vmx
