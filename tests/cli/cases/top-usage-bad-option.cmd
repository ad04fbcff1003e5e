msrtrap --bogus
