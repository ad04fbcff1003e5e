printf 'default deny\nallow rw -1 - 5 -0x10-0x20\n' | msrtrap check -
