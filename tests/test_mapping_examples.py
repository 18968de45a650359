"""The README's Salesforce- and Fxiaoke-style mappings load and validate on such exports."""

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import datasets, validation

README = Path(__file__).parents[1] / "README.md"
AS_OF = "2026-06-30"


def readme_mapping(marker: str) -> str:
    """The YAML block of the README that contains ``marker``."""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


def salesforce(folder: Path) -> None:
    pd.DataFrame({
        "Id": ["001A", "001B"], "Name": ["Acme", "Globex"], "Industry": ["Retail", "Energy"],
        "NumberOfEmployees": [120, 5400], "AnnualRevenue": [2.0e7, 9.0e8],
        "BillingCountry": ["US", "DE"], "BillingCity": ["Austin", "Berlin"],
        "CreatedDate": ["2024-01-10", "2023-08-01"], "Type": ["Customer", "Customer"],
    }).to_csv(folder / "Account.csv", index=False)
    pd.DataFrame({
        "OrderNumber": ["00000100", "00000101", "00000102"], "AccountId": ["001A", "001A", "001B"],
        "EffectiveDate": ["2025-01-05", "2026-02-01", "2025-05-05"],
        "TotalPrice": [1000.0, 2500.0, 9000.0], "Family": ["Hardware", "Software", "Hardware"],
    }).to_csv(folder / "OrderItem.csv", index=False)
    pd.DataFrame({
        "Id": ["006A", "006B", "006C", "006D"], "AccountId": ["001A", "001A", "001B", "001B"],
        "CreatedDate": ["2025-10-01"] * 4, "CloseDate": ["2025-12-01"] * 4,
        "StageName": ["Closed Won", "Closed Lost", "Negotiation/Review", "Prospecting"],
        "Amount": [2500.0, 800.0, 1200.0, 300.0],
        "LeadSource": ["Web", "Partner Referral", "Trade Show", "Web"],
    }).to_csv(folder / "Opportunity.csv", index=False)


def fxiaoke(folder: Path) -> None:
    pd.DataFrame({
        "客户编号": ["KH001", "KH002"], "客户名称": ["华东精密制造", "北方能源"],
        "行业": ["制造业", "能源"], "人员规模": [120, 5400], "省份": ["江苏", "北京"],
        "城市": ["苏州", "北京"], "创建时间": ["2024-01-10", "2023-08-01"],
        "负责人": ["王丽", "李强"],
    }).to_csv(folder / "客户.csv", index=False, encoding="gbk")
    pd.DataFrame({
        "订单编号": ["DD01", "DD02", "DD03"], "客户编号": ["KH001", "KH001", "KH002"],
        "下单日期": ["2025-01-05", "2026-02-01", "2025-05-05"], "订单金额": [1000.0, 2500.0, 9000.0],
    }).to_csv(folder / "销售订单.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame({
        "商机编号": ["SJ1", "SJ2", "SJ3"], "客户编号": ["KH001", "KH002", "KH002"],
        "创建时间": ["2025-10-01"] * 3, "结单日期": ["2025-12-01"] * 3,
        "商机阶段": ["赢单", "输单", "商务谈判"], "商机金额": [2500.0, 800.0, 1200.0],
    }).to_csv(folder / "商机.csv", index=False)
    pd.DataFrame({
        "联系人编号": ["LX1", "LX2"], "客户编号": ["KH001", "KH002"], "角色": ["决策者", "财务"],
    }).to_csv(folder / "联系人.csv", index=False)


@pytest.mark.parametrize("marker, build, stages", [
    ("file: Opportunity.csv", salesforce, ["won", "lost", "open", "open"]),
    ("file: 商机.csv", fxiaoke, ["won", "lost", "open"]),
])
def test_readme_mapping_loads_and_validates(tmp_path, marker, build, stages):
    folder = tmp_path / "export"
    folder.mkdir()
    build(folder)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(readme_mapping(marker), encoding="utf-8")
    with datasets.open_workspace(folder, mapping_file=mapping) as ws:
        assert {"accounts", "orders", "opportunities"} <= set(ws.names)
        findings = validation.validate(ws, as_of=AS_OF)
        opp = ws.to_pandas("opportunities").sort_values("opportunity_id")
    assert not validation.has_errors(findings), validation.format_findings(findings)
    assert opp["stage"].tolist() == stages
    assert {f.rule for f in findings} <= {"missing_column", "empty_column", "unknown_column"}
