from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "benchmark_coverage" (
    "series" VARCHAR(16) NOT NULL PRIMARY KEY,
    "covered_from" DATE NOT NULL,
    "covered_to" DATE NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "benchmark_coverage" IS 'The days a benchmark series was asked of its source for: a day inside without a value';
        CREATE TABLE IF NOT EXISTS "benchmark_rates" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "series" VARCHAR(16) NOT NULL,
    "date" DATE NOT NULL,
    "value" DECIMAL(24,8) NOT NULL,
    CONSTRAINT "uid_benchmark_r_series_9c5a6b" UNIQUE ("series", "date")
);
COMMENT ON TABLE "benchmark_rates" IS 'A benchmark''s published value on a day: CDI and SELIC in % per business day, IPCA in %';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "benchmark_coverage";
        DROP TABLE IF EXISTS "benchmark_rates";"""


MODELS_STATE = (
    "eJztXQlv4zYW/iuEgUUzQDrIPVlvUcB2nB1PkzjrONNpxwMvLdExG5lyJSrHtvPf95E6rc"
    "uSY8dHCBSdmOQjpY8U38nHvypjUyeG/f6G2DY1WaWK/qowPCbwR7xqF1XwZBJWiAKOB4Zs"
    "ix0+6ttuS1mDBza3sMahcogNm0CRTmzNohPujlNpM4IM846yKqLcRljTgBxx854w+MV0xE"
    "cEWSbHnLI7pI0wZcgcIosMLWKP/IaUI2rbDrHfi1F1U4Nhof0yBuixHutKkkcocqmJZlq6"
    "oBK/vPf/wYbyB1PD4k3RDjyC6fBdhKd7RhP4mzBO9B7jj1Qj7/6FNKyNCAzJ0JiMTetZPm"
    "WH6DCayYxnNKaWZVrwSPJlHUb/dEifm3cERrfglb9+g2LKdPJEbPHza8WxidWneuWbqJnc"
    "94eUGPrULEMlVMnyPn+eyLLGCFvnsqXAdNDXTMMZs7D15JmPTBY0B8hF6R1hxMLwQpE5Z4"
    "5heGvEL3IfGwq45ZDgefWwQCdD7Bhi5Qhq9wnCskq/f9Xu9m+a3X6/klhVPkVkHXhFGixM"
    "WJGUcVu+/xg/9Q3C7vgIfh4efHfHCXFwW4kBP9c6jY+1zs7hwTsxoAnL2l30V17Ngaz6Lr"
    "vAHLudyAkIYfbmvv8Hp2XwjpEtBni/IEQ+/EQ3FvoQas0iAow+5kmkz6CG0zFJR3uaMga2"
    "7pG+9//YROjhBfU2bCXe15YDfbd12bzp1i6vxXBj2/7TkPjVuk1RcyBLn2OlOyexaQo6Qb"
    "+2uh+R+Il+b181Jbymze8sOWLYrvt7RTwTsBOzz8zHPtYjG4Nf6qM2NevkaUKhtzlmfZpy"
    "C2d9Q2bZxyR3mgVnvZ/r456mXMA0e6tSzfLyZhm2K9sVPYszzDjlXDxzzeZ22SzTFxMTQL"
    "cYT8c5QhEDGJ55A/dIeF7458eD/aMPR6eHJ0en0EQ+aFDyIQf01lUXEBUy9vA+VfwTcCXR"
    "PTctQu/YL+RZgtyCJ8JMIymgerrYrdfNhoH73V89fmn4hVn4MVBKoosK3h3emHD3c6/dNG"
    "pnzYpEeIC1+0ds6f0pqEWNeWDGSoK2yarxwTheghm+k+CItxDPHEU9RTP2ZyNbLRYvVEwd"
    "zsZytppXSrfL/KKLfszexK2vZreAL3k3R5MjY0yNMiwpINhCtXmvECfay2FFe3FeNMG2/W"
    "jCNzvC9qgMzgnCLdSWT4oAfpKN90kCbss0SDrKTeaME3xpWtjyaF8PaKnAurtuCbArtbPL"
    "1lUVYX1MWY91msBMOlUU6avkNOyfFJiG/bgEHU6DqJqeBgr6p8bpQ8pc1E2AGbOMXTtKF5"
    "uHARAuayL8Ted1FZl6u30xpcPUW90YxreX9SZgL6GHRtSVIPxtPQRcGmH7D8CfaZqGkckm"
    "E3SvJ/7urTXHVAa4t22AM7DN+9LfMsfEJ4iVfWbd7DMJ7TZbGQsXRdQlGONqHuX5Lx1iSF"
    "dZttobcUFu2Peepfl+X6a+WnN0ypuMW8+VFK01Urub79KFduKbXLr++rVCGKdcPo/7V3mX"
    "ZZ3evRXN9p8HB4eHHw72Dk9Oj48+fDg+3QsYdrIqj3PXW/8WzHtqF5mt/76+rXDNNvJFi0"
    "tCfi9n5A4ptlDFXbxuFe4uhU02AcUWArx490G4aZfal6fItsmL8Co7dGQDKS1uK/1qvYTu"
    "IvqVNsLsjqRI0p9u2lcZ6nRIEp9rqnH0NzKovbTPrPLT0GGSUaGBQw1Omf1eDPtzSePdIh"
    "QsAdHUNPu72c5l7Ut8o2tctOvx+RMd1NNcfKvxSDUMSqQukZDuvZpcyV6TbZbvl/qrEr6O"
    "+5y7UhgXzciTiH90dUOP0nsTr3t/pUql4AkeUv6QX0Sk12mD0Qv7Vn601/Sj+QuiqEzmt9"
    "9Ciexgr4hbB1plymSyLiaUKT/lUv2U8BDO2Ntri0IcpVlIXNIagby/X0Rv28/W2/YTnmDA"
    "p9QWERBsX8zXwVGRHeIoe4M4iqNrc8ydFHGymOs3pH5F52/o6Szl/G10W5+bVeRS91jryi"
    "+hLNLjys0Uym2WDf32qnXORJ9z1qcp1ayvy6yneNACl09pB5qG7VF/gA2xCb/Qi9aArupu"
    "Txu4GDI9adGPaWiYjy9FSSrH59DRtoKkU3tMbRt2DnhRi750WZ353QU+xW0EbWQaOnTyQq"
    "w+ur1sK0hQw2zXOfVCoLphT9sE1lK9/vANppoE3YrdXF+/aKIC1bfLwMapdp926iRbfw4p"
    "ttAEtGinp7JfLtl++eS6r0qZMCM0r2iXWJZHKxb7X8QEdJJtAjpJmIA0x7II00qFRkRptg"
    "7i0wIIn2YCfBrHV7JVF55UhGeb2aZ7eEW8292PzU5ZS1vzP7et7m9V5P7bY83uOfzonvfY"
    "5W33tnZxfnt1VkXh3z3W6Px23W03bjud5lUDKKd/C1vdWfNLFcl/oHXYLmhxDr11mlXk/t"
    "tj8sGrKHz+ldv1bKJxsxQfDim2z5C9X4hX7Ofwiv0kr1Cm02z0N9OIlmU6ncuIppT3NVbe"
    "12y3KoQVefADaOZHSarlzQeykYGOxQyNmBrPfYtwx3rpkjoTXXVkT9uE1lJjxCLm/rRAsW"
    "lvQE60WNwDsVgT0VcvHE30HOgW35ThaIWGo81RC19Nal2wYjgIP7yYsEo0OsZGOsYRqrig"
    "6pK998g3EO4cfM+ajdZl7WLncG93/yB2rtvH/iipEshdpdxBpSmabTqQsKy0RuHWPY1w6c"
    "RGYdjyhgGcxdp3Y6mNppbWOiU3ivi7M8PJfW/4rJDyfuB/n53+94pwxMgjGpuMPKMdDU84"
    "7jl7e+SD/P+h+U6k1cXI7RmZDP7W8bNIjguFHrdJJv1dTLci1e8vZMLR4BnBu3JcRQRrI/"
    "Rowb6DQEO10eMIc5Ec2DtjsYtsE3qAYflIJgCemBaXGUZsKB7CE1kATVbe3qgQJGwNucLQ"
    "VAB8svWuCoBfn70zT8zypy5prsoIHvba5xmpNncHTeX8tW5zY10WmyqbUjb0tvsSomlItB"
    "rJdFmpcYqJpaeFpVLT4XOgG6FS8ObBmxnQlncG2adQiZwSiZyUDqV0KKVDVWbpULEQ2BQ9"
    "Khkkm61LpcbnzlaoamhimQ9UJ9aPY6wTJIifQfcQ2VeQC5VelfeUCKYhlANxi4lFxmQ8IB"
    "bRpQbDhVYjbir50XLEbSgJ/Wopo/SYINBMC5QmLBQs1wsFitwD9DoQY8uLWMRsFVGhQKUh"
    "FsNG3yJDZUtebbbc6FSUkNnjdFsoty8+nivcOcoHQsRpVSjEuodCKElNSWpKUisnqfkxPC"
    "kiWiS8J1s2i0YSFRHJXCB+sBF871TmwhGGZvhPBH/swj8g9YwnDiwAhIfA8aTkFBCJrKiu"
    "zTlp6F5w3zMkKtlnviXaDVVVKVjWbD/LE86UMXXZxtQ/HZyRfDDX4BclU67+ma5+004Td/"
    "MA9kkUuLPABZnZoP8jKdtvLsBRMgXyLJApA1ZdNhwoJFIAzwI4EE6KCxFREqUdKe+A0jk3"
    "XudM7AgLwDU4Xb+lsEa3wSlUO82bbqfV6K5KlY+eMklR52OHULJV+vi5l2I317t+j0gomV"
    "CpiX4HavYOHpsOoIyubi+bgNCu58cYGibm9rv0i+pf2F+O+u7NXa5PZDqnapRMBhW9RKOP"
    "JWyNLqcX962sBa9pLbiH10q3FMw+x+zTrrPFoFK//a2KBs5zj900Ly6qyCaG0WNnrc+ts6"
    "Y4uKxT4fhkeo99alxX0R/aRBxQ7jbFTiiSCcIHRmzeY+fNJjwRIT3WrX2BNYCfoMfrixY0"
    "sicgq/ZYvX11ewNjmcyxYYTmdftG1OpEmvJ6TPgLzjq1X2vwFI+Uj3TYkl1BfvXHmVXY4h"
    "xhi+tgB1rPg5Z5Ot7BUYnYr4lFS5+oCWgUuPnguiJISXRDIgVvPrzALFKCFnPB9UneXEBo"
    "KWCB95bE1aNQsOZa3JXjaMmOIykogj5XcvVGydSmm7+IXayGljmeC2SfUME8A2bCuUGyb0"
    "ookGt+qod13jsqzS+gDl4Jtc23t/RYo3bzsYo071L6Ve8rpmOlickFZyKgfsVUZGPMHE/5"
    "LTETl7WrWzEPLnWPXXfaQo/vVIMA5jWYjZVGx67ZvrPs4FhmptktcvJ1mql2iy3A9rhQCr"
    "bjnBRsxyoFm4o7Fl2o2yu2bdZ9jOK3V6w6mmLddlQVTLGmqKpgiqUGU4Ru/1VGU6zZbrDx"
    "wRSRZJRZN0gEqSpnXCPRD5NjFjohETv1KU8p+Cqal0dHHCnFgfsVTaDCBrkd+jMtqJD2mN"
    "QTEovsOzXEIlj3voObPPXdsIaXnDrNuzR9y6IVXuWq9HliGtLR34Q4hjm1wsVHCvjfQqpm"
    "kGXY6Kt4garyt85lk97fK2yUZs5YvH5aWv5ciKfo3ibKxS3/wFDNMWVzwByjVEDnA51n1M"
    "9wYa3AkL/BnEwZN7Oh30wzVxHjpjo0tHSLjDqF8ULDwYrzKdQJ00ZjbN03zAfAXS6WhPkg"
    "2Wg3z4ow8JsDLJH2M20JXZF0Cj+LfLtBF8gmIoMWesRQbN8TXRyxoNxGLgNEQ9OqBhmAba"
    "oTGW5tOiI91QM2nMTV8MsZpcdGWEfMZARxE93RB4J2MBqZBgWaXRgIeiDSeuGNNCB3mL2T"
    "ybQoFxm2mMm9ofEdrKMsi0VRq4Q7TCmJgmTkUZxTolijuyMXJU/kJGIQCx2khIxgpEx1OU"
    "73pnVmH4zUoLmZEKbHzL0pAJUasWQ1QnnLs6HfTDUiy1ueEHlXLJ51MM8XzTreBldELBPL"
    "qrB/JyATiaqcgUHtEQgpUuoJbl+oosZZC2Gmo5vmRash8lj9Q3piBo5NGbFtJMWg1nWjJu"
    "tSXD3LGKbHQOySUpe81gHtyG9QFuzbHKSvVr39uXlzXZOynmaYdk4urVA+Uv6hzfEPrV4O"
    "XvW+rE6Trp+gFmimJUzqAc1bTBY005q+Jvw6es1lWhbx6Vswc1KIx2/eLJbUQpK5jEymov"
    "BySUqWKVic2yESGpMXSkEeqOnYyOYm6FARFpjIb7G4rvPjMBRz3Rzmqvb+eawc4kMoufcH"
    "NGrvn+FJdbeh/kQrG3sxTfgWHdZ7ZeIvlGtNudaUay1XFjx/yjLaeDW5EuDwqZyZJi6fBX"
    "dhogmmFtr5r6vX/hfd3pzVOxdVcbUltaX1RDdhDVgpec0W1qsyqGyNzKcMKsqgsmqJJSlU"
    "W+mg5Qp8Gbi9EZF6hqy3JvaUtsMH5tMnc5DGRsPKXE76hznom7JpIV6ajfPscIyv0XDBb4"
    "qDrSUHE+shbQayOVhIsY0crFAygf2cZAL7yWQCQ4cFmXuLohylUTgXwxlbdymy2Keb9lWG"
    "Du61jzM9qnH0NzKovTRFsfKTP79o4FCDU2a/F+P9XHl9NijwmYo98DHeuax9icPfuGjX40"
    "EFooN6bCoEtys3GSHFekyHGHZrpkMw+RSRMHs2AgI1GQufDHX8IptJbGbcVKHjF5yT8YSX"
    "uc09SqKuc081EK8ovwCxqDaqpOUWcGt2c/MKhG2WqX6VUrjeira1tOsEHohllxTxIyRbKO"
    "EfHB8XkPChVaaEL+tiEj58VCUQ9ppvIbpL0Z9gRJ6aUShbToyQvL6kuBqz4cJkwpUys+//"
    "BxJBM0c="
)
