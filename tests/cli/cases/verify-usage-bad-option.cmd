msrtrap verify --bogus examples/sandbox.policy
