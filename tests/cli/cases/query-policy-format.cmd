msrtrap query --format policy p-4096.policy efer
