from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "daily_returns" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "date" DATE NOT NULL,
    "close" DECIMAL(24,8) NOT NULL,
    "return_pct" DECIMAL(20,10),
    "asset_id" INT NOT NULL REFERENCES "assets" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_daily_retur_asset_i_3e909c" UNIQUE ("asset_id", "date")
);
COMMENT ON TABLE "daily_returns" IS 'One daily close of an asset and its return over the previous stored close.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "daily_returns";"""


MODELS_STATE = (
    "eJztXG1z2jgQ/isaf2pncplACOGYm5vhxblyF6AlpteXdDzCKKCJkaktN2F6+e8nyTZ+J3"
    "YChLj+BKx2ZflZab3PSuantDCmSLeOxxYypSb4KRG4QOxLSH4EJLhc+lIuoHCiC0WbaQgJ"
    "nFjUhBplwhuoW4iJpsjSTLyk2CBMSmxd50JDY4qYzHyRTfB3G6nUmCE6FwP5+o2JMZmie2"
    "R5P5e36g1G+jQ0Tjzl1xZyla6WQtYj9EIo8qtNVM3Q7QXxlZcrOjfIWhsTyqUzRJAJKeLd"
    "U9Pmw+ejc2/TuyNnpL6KM8SAzRTdQFungdudqL5MUtXBUFGvZEVVpRwAaQbh4LKhWuLuZ3"
    "wIv1UrtfNa47ReazAVMcy15PzBubQPjGMo4Bko0oNohxQ6GgJjH1S0gFiP49qZQzMZ2LVB"
    "BFs26Ci2HpKHC+4C3qs6IjM6Zz9PqycboPzYGnXetUZvmNZbfkmDLQBnWQzcpqrTxvH28V"
    "1Cy7ozzKk6h9Y8D84xw+3g7Ql8wP0VvHfE61kAr6fjXY/BbRpMJxFlmdgLgXSPDQgSDcUQ"
    "92z3B7RkIjh1om4OsKVWt98bNAGcLjC5JiO51ZVHTRDoK6cbKvUMbqjUU93Am8JuwJbKHg"
    "/4R4Iv2gaDGZKUqB20i/hhwgx35Qgv6Oxgxm+Atj0cXvKeF5b1XReCnhLBeNxvywx7AT1T"
    "whQFw7oPuMa8zyBRIY0j3mUtFC9QMuRhywjmU9f02PvyGkMOXxhDoq9cP29wiNLry1dKq/"
    "8+5JVuS5F5S1VIVxHpm+i6WHcC/u0p7wD/Cb4MB7KA17DozBRX9PWULxIfE7SpoRLjToXT"
    "wHPQk3qohbyuQ4uqujHD5AmOjxlvwffuoA/F9a/E1R4mMV/zVPjmNpC3ccEEard3kCUGsR"
    "ajaqTpxpsW1UVUAgmcCSdxNPk4XWbQsqeYyoSaKymBNwRaN7IHyPX4hNs5g/gqIUIxFeNx"
    "vqmMDnzLRSzaeParcIvfq9XT0/PqyWm9cVY7Pz9rnKxJRrxpE9to9/7iT6bQEnmcgXBWqe"
    "bidgGLx51w+FFqOxTPB5RnUGwEObiGb1FAkrH97NaPLplJ89qigACfVjPR5g2sORngxKCw"
    "KS6HzJ4UGQ4O6D1G6EAAyZ1LluThsDLKLORBm0MyQ1bc1X9fDQcpXNE3ifoaaxT8B3Rs7W"
    "yZSX/c2EQ8qMDExjrFxDrml/0zZ/lkG+yBQxRysxfN3vRbn6KBrnM5bEf9xztos2V3IBl+"
    "R8cseEoJ2b3bsjGz14TO7ncGfkr+7TjjPBLJOFdD90sGrcUusr5b907c7r2ZKkjBPRuk+C"
    "FWRKDXcDXkmX2XOxn73MnwJkTWnMzTL2BGVj3JUlhnWqk5mWiLJGXlTtFOd4rYIOyFG2uz"
    "Qhy0eRLKUSp8QCBXKll4WyWdt1Vie3EMn1whYm2wFWwPK0TUskSIWnqAqEXRtSikdkI6mW"
    "3zzbfe4/abv9eUa/uto/Q+yk3gWF+T3sCTYBLo8cXLFOWeUDr0xaV19nL6RK+HLUuvH4rX"
    "E7aHxOhzcMdAbUfXDQ1SwWVi86PtGl/8M0I6TKkJe9s+645e4Ux48Oa+Jw1iurNtNMtCiR"
    "zbaTjauHnGVcqzd8VirBRrt86JnawJqW9RQE617V2EsiCw44LAvVMPzlUTCNjsMdHfVYk4"
    "cpwxC6eqp3OqeoxTabZpIqLl2msM2hQO4kYGhBupADei+IrHqgNPIsKP89ZwD3vEe6i8k0"
    "d5qav8YdxTPjeB83lNZOWC/VAurkl/rIxblxfjQbcJ/O/XpDP6/F4ZdsajkTzoMMvwb05+"
    "u/KnJhAfTNvXW2tcsN5GjBw7n9dEDLwJ/PG/OFG2kEaNXM9h36J4laFKpmdFZcOzohJ/Vp"
    "S1iHT0XycrTatFlKx0+6w0tE0Asb5STURt87lgdXlXI9FTkdDaKYf351cSkQ/Nvg1sPjzd"
    "H6X00pAgsLRNljtbCOgGPQYfbMhPO2FkAUimYGlijX81ERiM+/Ko13lTrR2BxtsjQNAPZI"
    "Ib3YDUOo4+cLfbc84tfOfcgHtea2KvVB7Ft7mb7yRn2z0hsJVxlnWWfdZZvjszOoFFdZGG"
    "F1BPhjdoFs07HLtj1/71Rs8kQLtyp9dvXfJl3oi8eORlf7VYgseXhQgVOUEO2ZUoZ0BZBJ"
    "/EJDodYc9mU/pcMHhZ+ltykF+Ug5T7oUX2etp+aLywlyubCpoU6eWBrb1XFErXM4IasilR"
    "dVGN1UiiIMcRvjBMhGfkH7SK1aOTyb1/cPuVAZzG65nYhHdrzhSeWuz+2V0jJ38asejBeK"
    "oixUPCFoBd79YXFNdgHEyB9WVeUgiWqxKKL5FqVnr1JVZBy1Z/EWZA0w0LAeMGQAIEUqJI"
    "gqkFnA6BwWsidI7A0kQ/sGFbwKJsik0dy+QCzPa6TqjAfPVnvlO3eM6Zj/K1aN62j9ei89"
    "K8kuKJZwJbCDkrEGubsvrwSPXBCUPqUkuiUpsgDhs+G+cD2z7NAvPJUeUkM84ledl5ml0m"
    "g89MBjutq06rK79ULthCJtbmSWmg27IxA4S+Tnma9jWt6E0JE0uOrZz/exIwKeKhz7OzLI"
    "c+z87SD33ytsiziS2qHAi76gVEdzfHpAxCE8s/G/6TwTfZ/38yvExWVYx/X3j4H3Cql5s="
)
