msrtrap compile examples/sandbox.policy -o no-such-dir/out.json; rc=$?; ls no-such-dir 2>/dev/null; exit $rc
