msrtrap explain p-explain.policy 0xc0000101
