msrtrap sim examples/seed.sim --json >/dev/null && echo parsed
