msrtrap diff - -
