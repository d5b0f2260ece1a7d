"""The words KPIs are made of, in English and Chinese, with their usual abbreviations.

One line is one concept: English words and abbreviations, then ``|``, then
Chinese words. A KPI named "Qualified leads" and a reply saying "合格线索30个"
meet on the concepts *qualified* and *lead*; "MTTR" and "平均解决时长" meet
"Mean time to resolve" the same way. The matcher (``bot.kpi_names``) stems
English words, so list each word once in its plain form; list Chinese words
as people write them (longer phrases win over their parts).

Generic words (rate, number, total, new...) are in ``GENERIC``: they count
for little on their own, so "rate 2%" does not pick a KPI when two KPIs are
rates.

Kept as text so that adding a word is adding it to a line, not writing code.
"""

from __future__ import annotations

from functools import lru_cache

VOCABULARY = """
revenue, sales, turnover, income, bookings, billing, rev, topline, gmv, 营收 | 营收, 收入, 销售额, 营业额, 业绩, 销售收入, 流水, 成交额, 销售金额, 营业收入, 销量额
sale, sell, selling, sold | 销售, 卖出, 售出
order, purchase order, po | 订单, 单子, 下单
deal, won deal, closed deal | 成交, 签单, 成单, 交易
contract, agreement | 合同, 签约, 协议
pipeline, funnel | 管道, 销售管道, 漏斗, 商机池
opportunity, oppty, opp, oppties | 商机, 机会
lead, prospect, inquiry, enquiry, mql, sql | 线索, 潜在客户, 询盘, 潜客, 销售线索
qualified, valid, qualify | 合格, 有效, 合规
customer, client, account, buyer, logo, cust | 客户, 顾客, 客人, 买家, 用户数
user, member | 用户, 会员
active, dau, mau, wau | 活跃, 日活, 月活, 周活
new, newly, fresh | 新, 新增, 新签, 新开
repeat, returning, recurring, repurchase | 复购, 回头客, 重复购买, 回购
retention, retain, renewal, renew, nrr, grr, net retention, net revenue retention | 留存, 续约, 续费, 保留, 留存率, 净留存, 净收入留存, 收入留存
churn, attrition, cancel, cancellation, lost | 流失, 流失率, 退订, 取消
upsell, cross-sell, expansion | 增购, 追加销售, 交叉销售
arr, annual recurring revenue | 年度经常性收入
mrr, monthly recurring revenue | 月度经常性收入
acv, contract value | 合同金额, 合同额
win, won, winning | 赢单, 赢率
loss, losing | 丢单, 输单
conversion, convert, cvr, conv | 转化, 转化率
visit, call on, site visit | 拜访, 上门, 走访
call, phone call, dial, cold call | 电话, 外呼, 通话, 打电话, 来电
meeting, mtg, mtgs, appointment, demo | 会议, 会面, 约见, 面谈, 演示
quote, quotation, proposal, rfp | 报价, 报价单, 方案, 提案
discount | 折扣, 优惠
price, pricing | 价格, 单价, 定价
average, avg, mean, median | 平均, 均值, 平均值
average transaction value, atv, average order value, aov, avg ticket, average ticket, basket size, average sale | 客单价, 平均客单价, 笔单价
size, value, amount | 金额, 额, 规模, 价值
margin, gross margin, profit margin | 毛利, 毛利率, 利润率
profit, earnings, ebitda | 利润, 净利, 盈利
cost, spend, expense, expenditure, opex, capex | 获客成本, 单条线索成本, 线索成本, 成本, 费用, 开支, 花费, 支出, 开销
budget | 预算
cash, cash flow | 现金, 现金流
receivable, ar, collection, collect | 应收, 应收账款, 回款, 收款, 催收
days sales outstanding, dso | 应收账款周转天数, 应收周转天数, 应收天数, 回款周期, 应收账款天数
payable, ap, payment, pmt, pmts, paid, pay, payout | 应付, 付款, 付款金额, 支付
invoice, bill, inv | 发票, 账单
overdue, late, delay, delayed | 逾期, 延迟, 延误, 超期, 拖延
month-end close, month end, book close | 关账, 结账, 月结
reconciliation, reconcile, recon | 对账, 核对
audit, finding | 审计, 审计发现
forecast, accuracy, accurate | 预测, 准确, 准确率, 精度
error, mistake, inaccuracy | 错误, 差错, 失误, 出错
tax | 税, 税务
roi, return | 投资回报, 回报, 回报率
cac, acquisition cost | 获客成本
ltv, lifetime value, clv | 客户终身价值, 生命周期价值
ticket, tix, tkt, tkts, case, request, incident ticket, issue | 工单, 请求, 事单, 问题单, 需求单
complaint, grievance | 投诉, 客诉, 抱怨
satisfaction, csat, sat, satisfied, happiness | 满意度, 满意, 满意率
nps, net promoter, promoter, recommend | 净推荐值, 推荐, 推荐值
ces, effort | 费力度, 客户费力度
response, respond, reply, first response, frt, answer | 响应, 回复, 首次响应, 应答, 回应, 响应时间, 首响
resolve, resolution, resolved, fix, fixed, solve, solved, ttr, restore, recover, recovery | 解决, 处理, 修复, 处置, 解决率
first contact resolution, fcr | 一次解决, 首次解决
time, duration, hour, minute, day | 时间, 时长, 用时, 耗时, 小时, 分钟, 天数
mean time to resolve, mttr, mean time to repair, mean time to recovery, mean time to restore, time to restore | 平均修复时间, 平均解决时长, 平均恢复时间, 平均解决时间
mean time to detect, mttd | 平均发现时间
sla, service level, within sla, on time, ontime, punctual | 时效, 达标, 按时, 准时, 及时, 服务水平
backlog, queue, pending, open | 积压, 待办, 未结, 排队, 待处理
escalation, escalate, escalated | 升级, 上报
refund, return, chargeback | 退款, 退货, 退单
callback, follow-up, follow up | 回访, 跟进
chat, conversation, contact, interaction | 会话, 咨询, 接待, 进线, 聊天
handle, handled, handling, aht | 处理量, 接待量, 处理时长
abandon, abandoned, abandonment | 放弃, 挂断
quality, qa | 质量, 质检, 品质
defect, bug, bugs, fault | 缺陷, 缺陷数, bug数, 故障, 问题
escape, escaped, leak | 漏测, 逃逸, 泄漏
incident, outage, sev, sev0, sev1, sev2, p0, p1, p2, downtime | 事故, 事件, 宕机, 停机, 线上问题
availability, uptime, sla uptime | 可用性, 可用率, 在线率
latency, p95, p99, slow | 延迟, 时延
deploy, deployment, deployments, deploy frequency, release, ship, shipped, launch, rollout | 发布, 部署, 上线, 发版, 交付
change, changes, pr, prs, pull request, merge request, mr, commit | 变更, 提交, 合并请求, 代码合并
failure, fail, failed, broken, regression | 失败, 失败率, 回滚, 回归
feature, feat, feats, story, user story, epic, item | 功能, 需求, 特性, 故事
story point, point, points, velocity, sp | 故事点, 点数, 速率
sprint, iteration | 迭代, 冲刺
review, code review, cr | 评审, 代码评审, 审查, 审核, 复盘
test, testing, qa test | 测试, 测例
coverage, covered | 覆盖, 覆盖率
automation, automated, automate | 自动化
build, ci, pipeline run | 构建, 流水线
lead time, cycle time, cycle | 交付周期, 前置时间, 周期时间, 研发周期, 周期, 采购周期
tech debt, technical debt, debt | 技术债, 技术债务
security, vulnerability, vuln, cve | 安全, 漏洞
patent, invention | 专利, 发明
paper, publication | 论文, 发表
experiment, trial, prototype, poc | 实验, 试验, 原型, 验证
project, milestone, deliverable | 项目, 里程碑, 交付物
research, r&d, rnd | 研发, 研究
innovation, idea, proposal submitted | 创新, 点子, 想法, 提案数
document, doc, documentation, spec | 文档, 规范, 说明书
campaign | 活动, 营销活动, 推广活动
marketing, mkt, mktg | 市场, 营销, 推广
traffic, visitor, session, pageview, pv, uv | 流量, 访客, 访问量, 浏览量, 访问
click, ctr, click-through, click through | 点击, 点击率
impression, reach, exposure | 曝光, 展示, 触达, 覆盖人数
engagement, interaction rate, like, share | 互动, 参与度, 点赞, 分享, 转发
follower, fan, subscriber | 粉丝, 关注, 订阅, 关注者
signup, sign-up, registration, register, trial signup | 注册, 注册数, 试用注册
download, install | 下载, 安装
content, post, article, blog, video, publish, published | 内容, 文章, 帖子, 视频, 推文, 博客, 博文
email, newsletter, edm | 邮件, 邮件营销
open rate | 打开率
seo, organic, search ranking | 搜索排名, 自然流量, 排名
brand, awareness | 品牌, 知名度, 品牌认知
event, webinar, conference, booth | 展会, 研讨会, 会展, 直播
share of voice, mention, sov | 声量, 提及
market share | 市场份额, 市占率, 份额
cpl, cost per lead | 单条线索成本, 线索成本
cpa, cost per acquisition | 获客单价
hire, hiring, hired, recruit, recruitment, recruiting, onboard, onboarded, new hire, joiner | 招聘, 招人, 入职, 录用, 聘用, 入职人数
candidate, applicant, cv, resume | 候选人, 应聘者, 简历
interview, screening | 面试, 筛选, 初试, 复试
time to hire, time to fill, ttf, tth | 招聘周期, 到岗时间, 招聘时长
headcount, hc, fte, staff, employee, people | 人数, 员工, 编制, 人头, 在职人数
turnover rate, attrition rate, staff turnover, turnover, leaver, resignation, quit | 离职, 离职率, 流动率, 辞职
engagement score, enps, morale, employee satisfaction | 敬业度, 员工满意度, 士气
training, train, course, learning, workshop | 培训, 课程, 学习, 训练, 工作坊
certification, certificate, certified | 认证, 证书, 考证
performance, appraisal | 绩效, 考核, 评估
payroll, salary, compensation, comp | 薪资, 工资, 薪酬, 发薪
absence, absenteeism, sick, leave day | 缺勤, 请假天数, 病假
safety, accident, injury, lti | 安全事故, 工伤, 事故数
compliance, policy, violation | 合规, 违规, 政策
inventory, stock | 库存, 存货
pick, picking, picker | 拣货, 拣选, 分拣, 拣货量
damage, damaged, breakage | 破损, 损坏, 货损
shrinkage, shrink | 损耗, 损耗率, 货损率
health, health score, account health | 健康, 健康度, 健康分
find, found, discover, discovered, detect, detected | 发现, 检出, 找到
supplier, vendor | 供应商, 供货商
procurement, sourcing, buy, purchase, purchasing | 采购, 寻源
delivery, deliver, delivered, fulfilment, fulfillment, shipment | 交货, 发货, 送达, 配送, 履约
on-time delivery, otd, otif | 准时交付, 准时交货, 准交率
production, output, throughput, yield, unit produced | 产量, 产出, 吞吐, 良率, 产能
utilization, utilisation, occupancy, billable | 利用率, 使用率, 饱和度, 可计费
efficiency, productivity | 效率, 生产率, 人效
improvement, improve, optimization, optimisation, kaizen | 改进, 改善, 优化, 提升
process, workflow | 流程, 工作流
internal, internally, in-house | 内部
external | 外部
partner, channel partner, reseller, distributor | 合作伙伴, 渠道, 代理商, 经销商
store, shop, branch, outlet | 门店, 店铺, 网点, 分店
region, territory, area | 区域, 地区, 片区
product, sku | 产品, 商品, 单品
app, application | 应用
website, site, web, landing page | 网站, 官网, 落地页
mobile | 移动端, 手机端
report, reporting, dashboard | 报告, 报表, 看板
data | 数据
knowledge base, kb, article published, faq | 知识库, 帮助文档
survey, questionnaire | 调查, 问卷
score, index, rating, grade, mark | 分, 分数, 评分, 得分, 指数, 打分, 评级
rate, ratio, percentage, share, pct, percent, proportion | 率, 比例, 比率, 占比, 百分比
number, count, amount of, no, num, qty, quantity, volume, # | 数, 数量, 个数, 次数, 量
total, overall, sum, cumulative | 总, 总计, 合计, 累计, 总数, 总体
per, each, every | 每, 人均, 单个, 每个
week, weekly, wk | 周, 每周, 本周
month, monthly, mtd | 月, 每月, 本月
quarter, quarterly, qtd | 季度, 本季度
year, annual, yearly, ytd | 年, 年度, 全年
growth, increase, grow | 增长, 增幅, 增速, 涨幅
decrease, reduction, reduce, drop | 下降, 减少, 降低, 降幅
target, goal, quota | 目标, 指标, 任务, 配额
attainment, achievement, achieved, completion, complete, completed, done, finish, finished | 达成, 完成, 完成率, 达成率
check-in, checkin | 签到, 打卡
team | 团队
manager | 经理, 主管
one-on-one, 1:1, 1on1, one on one | 一对一, 单独谈话
feedback | 反馈
mentor, mentoring, coaching, coach | 带教, 辅导, 指导, 导师
knowledge sharing, sharing session, talk, presentation | 分享, 分享会, 讲座
peer | 同事, 同级
request closed, closed request | 已关闭请求
approval, approve, sign-off | 审批, 批准, 签字
contract review | 合同审核
legal | 法务, 法律
it, helpdesk, service desk | 服务台, 运维, IT服务
asset | 资产
server, host, node | 服务器, 主机, 节点
cloud | 云成本, 云服务
storage | 存储
api | 接口
code | 代码
line of code, loc | 代码行
crash, crash rate, crash-free | 崩溃, 闪退, 崩溃率
performance test, load test | 压测, 性能测试
ux, usability | 用户体验, 易用性
design, mockup, prototype design | 设计, 设计稿
translation, localisation, localization | 翻译, 本地化
first, initial | 首, 首次, 初次
second, follow-on | 二次
hand-off, handover | 交接
utilisation rate | 利用率
lifetime | 生命周期
activation, activate, activated, onboarding | 激活, 开通, 上手
adoption, usage, use, used | 使用, 采用, 使用量
onboarding time | 上手时间
pass, passed, pass rate | 通过, 通过率, 合格率
reject, rejected, rejection | 拒绝, 驳回, 拒单
return visit | 复访
mean, average time | 平均时长
lead conversion | 线索转化
""".strip()

# Words that say little on their own: a match on only these is weak.
GENERIC = frozenset(
    {
        "rate",
        "number",
        "total",
        "per",
        "week",
        "month",
        "quarter",
        "year",
        "new",
        "average",
        "time",
        "score",
        "size",
        "target",
        "first",
        "internal",
        "external",
        "team",
        "data",
        "growth",
        "decrease",
        "attainment",
        "process",
    }
)


@lru_cache(maxsize=1)
def concepts() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Two maps: English phrase (lower case) -> concepts, Chinese word -> concepts.

    A concept is named by its line's first word; a word on several lines
    ("turnover": revenue, and staff turnover) carries all of them.
    """
    english: dict[str, tuple[str, ...]] = {}
    chinese: dict[str, tuple[str, ...]] = {}
    for line in VOCABULARY.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        en, _, zh = line.partition("|")
        words = [w.strip().lower() for w in en.split(",") if w.strip()]
        concept = words[0]
        for word in words:
            english[word] = (*english.get(word, ()), concept)
        for word in (w.strip().lower() for w in zh.split(",")):
            if word:
                chinese[word] = (*chinese.get(word, ()), concept)
    return english, chinese
