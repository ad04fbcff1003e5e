echo old >new.json; msrtrap compile examples/sandbox.policy -o new.json && ls -A | grep new && msrtrap diff new.json examples/sandbox.policy | head -3
