msrtrap check - < examples; msrtrap sim - <&-; msrtrap compile --strict - < enc-x2apic.policy
