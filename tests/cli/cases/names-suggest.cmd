msrtrap names ia32_efr
