msrtrap diff --frobnicate a b
