echo old >keep.json; msrtrap compile seventeen.policy -o keep.json 2>/dev/null; rc=$?; cat keep.json; ls -A | grep keep; exit $rc
