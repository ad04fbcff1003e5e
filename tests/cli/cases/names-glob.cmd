msrtrap names "ia32_mtrr_physbase?"
