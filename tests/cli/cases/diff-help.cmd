msrtrap diff --help
