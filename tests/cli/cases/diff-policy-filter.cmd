msrtrap compile examples/sandbox.policy -o sb.json 2>/dev/null; msrtrap diff examples/sandbox.policy sb.json
