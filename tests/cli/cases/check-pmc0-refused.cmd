printf "default deny\nallow rw MSR_IA32_PMC0\n" > pmc0.policy; msrtrap check pmc0.policy
