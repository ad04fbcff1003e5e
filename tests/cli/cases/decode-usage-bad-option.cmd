msrtrap decode --bogus x
