msrtrap compile seventeen.policy -o seventeen.json; rc=$?; ls -A | grep seventeen; exit $rc
