msrtrap explain s9.json efer
