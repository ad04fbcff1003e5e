msrtrap explain p-explain.policy 0x11
