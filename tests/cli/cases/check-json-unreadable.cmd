msrtrap check --json no-such-file
