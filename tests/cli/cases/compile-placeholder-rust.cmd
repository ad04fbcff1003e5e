printf 'default deny\n' | msrtrap compile --to rust -
