msrtrap check k-nmsrs0-garbage.json
