printf 'default deny\nallow rw 0x35\n' | msrtrap compile --to rust -
