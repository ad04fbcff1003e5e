msrtrap compile p-errors.policy -o errors.json; rc=$?; ls -A | grep errors; exit $rc
