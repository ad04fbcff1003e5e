printf 'default deny\n' | msrtrap compile --to c -
