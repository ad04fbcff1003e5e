msrtrap verify
