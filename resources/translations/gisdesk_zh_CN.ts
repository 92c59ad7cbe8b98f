<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AnnotationController</name>
    <message>
        <location filename="../../gisdesk/ui/annotations.py" line="+481"/>
        <source>&amp;Annotate</source>
        <translation>标注(&amp;N)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Annotation tools</source>
        <translation>标注工具</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Select annotations</source>
        <translation>选择标注(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Text</source>
        <translation>文字(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Arrow</source>
        <translation>箭头(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Callout on a feature</source>
        <translation>引线标注(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Rectangle</source>
        <translation>矩形(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Ellipse</source>
        <translation>椭圆(&amp;E)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Freehand outline</source>
        <translation>手绘轮廓(&amp;F)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>St&amp;yle of annotations…</source>
        <translation>标注样式(&amp;Y)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Delete selected annotations</source>
        <translation>删除所选标注(&amp;D)</translation>
    </message>
    <message>
        <location line="+165"/>
        <source>Select annotations, or pick a drawing tool, to set a style</source>
        <translation>请先选择标注，或选一个绘制工具，再设置样式</translation>
    </message>
</context>
<context>
    <name>AnnotationStyleDialog</name>
    <message>
        <location line="-279"/>
        <source>Annotation style</source>
        <translation>标注样式</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Line width</source>
        <translation>线宽</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill</source>
        <translation>填充</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill opacity</source>
        <translation>填充不透明度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text size</source>
        <translation>字号</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Choose a colour</source>
        <translation>选择颜色</translation>
    </message>
</context>
<context>
    <name>AttributeTable</name>
    <message>
        <location filename="../../gisdesk/ui/attribute_table.py" line="+57"/>
        <source>ID</source>
        <translation>唯一标识</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>integer</source>
        <translation>整数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>decimal</source>
        <translation>小数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>choice</source>
        <translation>选项</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>codes (one or more)</source>
        <translation>代码（可多选）</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Field %1 of feature %2: %3</source>
        <translation>要素 %2 的字段 %1：%3</translation>
    </message>
    <message>
        <location line="+80"/>
        <source>Overdue: the deadline has passed and the case is not yet demolished, confiscated, made legal or closed</source>
        <translation>已超期：处置期限已过，案件尚未拆除、没收、补办手续或结案</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location line="+263"/>
        <source>Filter: rows containing this text in any column</source>
        <translation>筛选：任一列包含此文本的行</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>(any column)</source>
        <translation>（任一列）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zoom to selection</source>
        <translation>缩放到所选</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Column:</source>
        <translation>列：</translation>
    </message>
    <message>
        <location line="+145"/>
        <source>%1 of %2 rows shown, %3 selected</source>
        <translation>显示 %1 行（共 %2 行），已选择 %3 行</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Attribute table — %1</source>
        <translation>属性表 — %1</translation>
    </message>
</context>
<context>
    <name>BasemapPropertiesDialog</name>
    <message>
        <location filename="../../gisdesk/ui/layer_tree.py" line="+1365"/>
        <source>Base map — %1</source>
        <translation>底图 — %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Title</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>e.g. 2010, 2019-06 or 2019-06-01</source>
        <translation>如 2010、2019-06 或 2019-06-01</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The file gives no date: enter the date the image was taken, so that the layer tree and the comparison can show it.</source>
        <translation>文件中没有日期：请填写影像的拍摄日期，图层树和卫片比对会显示它。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kept in the project as</source>
        <translation>项目中记录为</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>relative to the project folder</source>
        <translation>相对于项目文件夹</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>absolute path</source>
        <translation>绝对路径</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>GeoTIFF / GDAL raster</source>
        <translation>GeoTIFF / GDAL 栅格</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>MBTiles tile cache</source>
        <translation>MBTiles 瓦片缓存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Coordinate system</source>
        <translation>坐标系</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Zoom levels</source>
        <translation>缩放级别</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Overviews</source>
        <translation>概览</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>none (a large image pans slowly: Build overviews…)</source>
        <translation>无（大影像平移较慢：可“生成概览…”）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Attribution</source>
        <translation>版权</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Extent</source>
        <translation>范围</translation>
    </message>
</context>
<context>
    <name>ColorButton</name>
    <message>
        <location line="-424"/>
        <source>Choose a colour</source>
        <translation>选择颜色</translation>
    </message>
</context>
<context>
    <name>Compare</name>
    <message>
        <location filename="../../gisdesk/ui/compare.py" line="+50"/>
        <source>no date</source>
        <translation>无日期</translation>
    </message>
</context>
<context>
    <name>Comparison</name>
    <message>
        <location line="+380"/>
        <source>C&amp;ompare</source>
        <translation>比对(&amp;O)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Comparison</source>
        <translation>比对</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Swipe</source>
        <translation>卷帘(&amp;S)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Drag a divider across the map to reveal one date over the other</source>
        <translation>拖动分隔线，在一个时相上揭开另一个时相</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Flicker</source>
        <translation>闪烁(&amp;F)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Show the two dates one after the other</source>
        <translation>两个时相交替显示</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Side &amp;by side</source>
        <translation>双屏对照(&amp;B)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Two linked maps, one date each</source>
        <translation>两幅联动的地图，各显示一个时相</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Left:</source>
        <translation>左：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Right:</source>
        <translation>右：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The base map shown on this side</source>
        <translation>这一侧显示的底图</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Flicker rate: pictures shown per second</source>
        <translation>闪烁频率：每秒切换的画面数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rate:</source>
        <translation>频率：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Pause flicker</source>
        <translation>暂停闪烁(&amp;P)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Mark new construction</source>
        <translation>标绘疑似新增违建(&amp;M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Draw the footprint of a suspected new building on the newer image: click its corners, double-click or Enter to finish, Esc to cancel</source>
        <translation>在后时相影像上勾绘疑似新增建筑的轮廓：依次单击各角点，双击或按 Enter 完成，Esc 取消</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>&amp;Leave comparison</source>
        <translation>退出比对(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back to the normal map (Esc)</source>
        <translation>回到普通地图（Esc）</translation>
    </message>
    <message>
        <location line="+85"/>
        <source>Comparing needs two base maps of different dates in the project (Layers › Add base map).</source>
        <translation>比对需要项目中有两个不同时相的底图（图层 › 添加底图）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Compare</source>
        <translation>比对</translation>
    </message>
    <message>
        <location line="+134"/>
        <source>The project has no illegal-construction ledger layer to add the case to.</source>
        <translation>项目中没有违法建设台账图层，无法添加案件。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The footprint crosses itself; draw its corners in order around it.</source>
        <translation>轮廓自相交；请按顺序沿轮廓依次单击各角点。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Mark new construction</source>
        <translation>标绘疑似新增违建</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Draft case %1 added to the ledger (to be checked; images %2 and %3, %4 m²); Ctrl+Z takes it back</source>
        <translation>已在台账中新建案件 %1（待核查；前时相 %2，后时相 %3，占地 %4 m²）；Ctrl+Z 可撤销</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Cannot add the case</source>
        <translation>无法添加案件</translation>
    </message>
</context>
<context>
    <name>ConflictsModel</name>
    <message>
        <location filename="../../gisdesk/ui/conflicts_panel.py" line="+142"/>
        <source>Relation</source>
        <translation>冲突类型</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Name / address</source>
        <translation>名称/地址</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>District / street</source>
        <translation>区/街道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Control line</source>
        <translation>控制线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Period</source>
        <translation>时期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Overlap (m²)</source>
        <translation>压线面积 (m²)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Depth (m)</source>
        <translation>深度 (m)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Distance (m)</source>
        <translation>距离 (m)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Required (m)</source>
        <translation>要求 (m)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Decision</source>
        <translation>审核结论</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Shortfall (m)</source>
        <translation>不足 (m)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exemption</source>
        <translation>豁免</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Feature uid</source>
        <translation>要素编号</translation>
    </message>
    <message>
        <location line="+121"/>
        <source>exempt: %1</source>
        <translation>豁免：%1</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Unnamed</source>
        <translation>未命名</translation>
    </message>
</context>
<context>
    <name>ConflictsPanel</name>
    <message>
        <location line="+55"/>
        <source>Run &amp;check</source>
        <translation>运行检查(&amp;C)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Check buildings and ledger cases against the control lines</source>
        <translation>对照控制线检查建筑和台账案件</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Next conflict</source>
        <translation>下一处冲突</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Next conflict in the list (N, Ctrl+.)</source>
        <translation>列表中的下一处冲突（N、Ctrl+.）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Previous conflict</source>
        <translation>上一处冲突</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Previous conflict in the list (P, Ctrl+,)</source>
        <translation>列表中的上一处冲突（P、Ctrl+,）</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Search name, address or number</source>
        <translation>搜索名称、地址或编号</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Subject layer</source>
        <translation>对象图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>District</source>
        <translation>区</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Control line kind</source>
        <translation>控制线类型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>When the subject was built, against the line&apos;s date</source>
        <translation>对象建成（立案）时间与控制线生效日期相比：新增、既有或未知</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Conflicts a rule exempts (e.g. a protected building in its purple line)</source>
        <translation>按规则豁免的冲突（如紫线内受保护的历史建筑）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Review decision</source>
        <translation>审核结论</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All relations</source>
        <translation>全部冲突</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All periods</source>
        <translation>全部时期</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exempt hidden</source>
        <translation>不含豁免</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With exempt</source>
        <translation>含豁免</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exempt only</source>
        <translation>仅豁免</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All decisions</source>
        <translation>全部结论</translation>
    </message>
    <message>
        <location line="+218"/>
        <source>All streets</source>
        <translation>全部街道</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>%1 / %2 conflicts</source>
        <translation>%1 / %2 处冲突</translation>
    </message>
    <message>
        <location line="+88"/>
        <source>distance %1 m / required %2 m</source>
        <translation>距离 %1 m / 要求 %2 m</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>overlap %1 m² · depth %2 m</source>
        <translation>压线 %1 m² · 深 %2 m</translation>
    </message>
    <message>
        <location line="-358"/>
        <source>Relation</source>
        <translation>冲突类型</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>Note (permit number, site visit ...)</source>
        <translation>备注（许可证号、现场核查…）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Note for the decision (e.g. permit number, site visit)</source>
        <translation>审核备注（如许可证号、现场核查情况）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The conflict is real: keep it for enforcement</source>
        <translation>冲突属实：保留，用于执法</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dismiss</source>
        <translation>排除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a conflict (e.g. permitted, data error)</source>
        <translation>不构成冲突（如已获许可、数据有误）</translation>
    </message>
    <message>
        <location line="+68"/>
        <location line="+19"/>
        <source>Loading conflicts</source>
        <translation>加载冲突</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Conflict check</source>
        <translation>冲突检查</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Last check %1 · tolerance %2 m² / %3 m</source>
        <translation>上次检查 %1 · 容差 %2 m² / %3 m</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>No check has been run yet</source>
        <translation>尚未运行过检查</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>STALE: %1 changed since; run the check again</source>
        <translation>已过期：%1 在检查后已修改，请重新检查</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>All layers</source>
        <translation>全部图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All districts</source>
        <translation>全部区</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All line kinds</source>
        <translation>全部控制线</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>%1 exempt conflicts not listed</source>
        <translation>另有 %1 处豁免冲突未列出（见“豁免”筛选）</translation>
    </message>
    <message>
        <location line="+113"/>
        <source>%1 decision(s) saved: %2</source>
        <translation>已保存 %1 条审核结论：%2</translation>
    </message>
</context>
<context>
    <name>CrsPage</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="+400"/>
        <source>Coordinate reference system</source>
        <translation>坐标系</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The CRS of the source&apos;s coordinates; the features are transformed to the project&apos;s.</source>
        <translation>源文件坐标所用的坐标系；要素会转换到项目坐标系。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>EPSG code, e.g. 4490 or 4549</source>
        <translation>EPSG 代码，如 4490 或 4549</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Source</source>
        <translation>源文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>EPSG code</source>
        <translation>EPSG 代码</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CGCS2000 / WGS-84 (GPS)</source>
        <translation>CGCS2000 / WGS-84（GPS）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GCJ-02 (AMap, Tencent)</source>
        <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>BD-09 (Baidu)</source>
        <translation>BD-09（百度）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Points picked on</source>
        <translation>点的坐标系</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>dx,dy,dz or dx,dy,dz,rx,ry,rz,s (m, arc-seconds, ppm) or the planar dX,dY,a,m</source>
        <translation>dx,dy,dz 或 dx,dy,dz,rx,ry,rz,s（米、角秒、ppm），或平面 dX,dY,a,m</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>To WGS 84</source>
        <translation>转换到 WGS 84 的参数</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>%1 (from the file). Type a code below only if it is wrong.</source>
        <translation>%1（文件中的）。只有它不对时才在下面填写代码。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The source has no CRS (no .prj or CRS): give its EPSG code.</source>
        <translation>源文件没有坐标系（缺少 .prj 或 CRS）：请填写其 EPSG 代码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Its coordinates look like %1.</source>
        <translation>从坐标范围看像是 %1。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>none yet: the 3° Gauss-Krüger zone of the data becomes the project&apos;s CRS</source>
        <translation>尚未设定：数据所在的 3° 高斯-克吕格带将成为项目坐标系</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>%1 data are imported only with the parameters of its transformation to WGS 84 (without them it can be off by about 100 m).</source>
        <translation>%1 数据须给出其转换到 WGS 84 的参数才能导入（否则偏差可达约 100 米）。</translation>
    </message>
</context>
<context>
    <name>EditController</name>
    <message>
        <location filename="../../gisdesk/ui/editing.py" line="+68"/>
        <location line="+124"/>
        <source>Editing</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location line="-120"/>
        <source>Add &amp;polygon</source>
        <translation>添加面(&amp;P)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add &amp;line</source>
        <translation>添加线(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add poi&amp;nt</source>
        <translation>添加点(&amp;N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Move feature</source>
        <translation>移动要素(&amp;M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit &amp;vertices</source>
        <translation>编辑节点(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Spli&amp;t polygons</source>
        <translation>分割面(&amp;T)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Vertex at the GPS position</source>
        <translation>在 GPS 位置加节点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mer&amp;ge selected</source>
        <translation>合并所选(&amp;G)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Delete selected</source>
        <translation>删除所选(&amp;D)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>S&amp;napping</source>
        <translation>捕捉(&amp;N)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Snapping settings…</source>
        <translation>捕捉设置…</translation>
    </message>
    <message>
        <location line="+105"/>
        <source>Add %1</source>
        <translation>添加 %1</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>The line cuts no polygon of %1 in two</source>
        <translation>该线没有把“%1”中的任何面分成两部分</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Split</source>
        <translation>分割</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Select two or more features of %1 to merge</source>
        <translation>请在“%1”中选择两个或更多要素再合并</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Delete features</source>
        <translation>删除要素</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Delete %n selected feature(s) of %1?</source>
        <translation>
            <numerusform>删除“%1”中所选的 %n 个要素？</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Start drawing a feature first (Add polygon, line or point)</source>
        <translation>请先开始绘制要素（添加面、线或点）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No GPS position: connect a receiver or replay a log in the GPS panel</source>
        <translation>没有 GPS 位置：请在 GPS 面板中连接接收机或回放记录</translation>
    </message>
    <message>
        <location line="+204"/>
        <source>Move %1</source>
        <translation>移动 %1</translation>
    </message>
    <message>
        <location line="+77"/>
        <source>Move a vertex of %1</source>
        <translation>移动 %1 的节点</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Add a vertex to %1</source>
        <translation>给 %1 添加节点</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Delete a vertex of %1</source>
        <translation>删除 %1 的节点</translation>
    </message>
</context>
<context>
    <name>EncodingPage</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="-212"/>
        <location line="+103"/>
        <source>Text encoding</source>
        <translation>文字编码</translation>
    </message>
    <message>
        <location line="-102"/>
        <source>Choose the encoding in which the names read right. The first rows are shown as they will be imported.</source>
        <translation>选择能让名称正确显示的编码。下面按导入时的样子显示前几行。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Encoding</source>
        <translation>编码</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>X / longitude column</source>
        <translation>X / 经度列</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Y / latitude column</source>
        <translation>Y / 纬度列</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>This format stores its text as Unicode: there is no encoding to choose.</source>
        <translation>该格式以 Unicode 保存文字：无需选择编码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 characters cannot be decoded in this encoding (shown as �).</source>
        <translation>有 %1 个字符无法按此编码解码（显示为 �）。</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Coordinate columns</source>
        <translation>坐标列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose two different columns for X / longitude and Y / latitude.</source>
        <translation>请为 X / 经度和 Y / 纬度选择两个不同的列。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 characters of the first rows cannot be decoded in %2: such values are imported empty. Import in this encoding anyway?</source>
        <translation>前几行中有 %1 个字符无法按 %2 解码：这样的值导入后为空。仍按此编码导入吗？</translation>
    </message>
</context>
<context>
    <name>EvidenceDialog</name>
    <message>
        <location filename="../../gisdesk/ui/photos.py" line="+336"/>
        <source>Evidence photo %1</source>
        <translation>举证照片 %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>(give the direction)</source>
        <translation>（请填写拍摄方向）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Azimuth (clockwise from north)</source>
        <translation>方位角（自正北顺时针）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The photo&apos;s GPS (EXIF)</source>
        <translation>照片的 GPS（EXIF）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The GPS receiver</source>
        <translation>GPS 接收机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The feature&apos;s centre</source>
        <translation>要素中心</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>(not in the EXIF: the time of adding)</source>
        <translation>（EXIF 中没有：取添加时的时间）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Taken</source>
        <translation>拍摄时间</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Stamp and seal</source>
        <translation>加盖水印并封存</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Give the azimuth the photo was taken in</source>
        <translation>请填写拍摄方位角</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Give the operator and the device</source>
        <translation>请填写操作员和设备</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No position is known for this photo</source>
        <translation>这张照片没有可用的位置</translation>
    </message>
</context>
<context>
    <name>ExportMapDialog</name>
    <message>
        <location filename="../../gisdesk/ui/export_map.py" line="+84"/>
        <location line="+145"/>
        <location line="+8"/>
        <source>Export map</source>
        <translation>导出地图</translation>
    </message>
    <message>
        <location line="-140"/>
        <location line="+123"/>
        <source>%1 (template)</source>
        <translation>%1（模板）</translation>
    </message>
    <message>
        <location line="-115"/>
        <source>Layout:</source>
        <translation>版式：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>One page</source>
        <translation>单页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Atlas: a page per conflict</source>
        <translation>图集：每处冲突一页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Atlas: a page per ledger case</source>
        <translation>图集：每个台账案件一页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Atlas: a page per district</source>
        <translation>图集：每个片区一页</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pages:</source>
        <translation>页面：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Format:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>200 dpi: an A3 page of 3307 × 2339 pixels, sharp on an office print</source>
        <translation>200 dpi：A3 页面 3307 × 2339 像素，办公打印清晰</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolution:</source>
        <translation>分辨率：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>When the export is done the status bar says which fields were masked.</source>
        <translation>导出完成后，状态栏会列出隐去的字段。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The saved project is exported: save layouts changed in File › Page layouts… first.</source>
        <translation>导出的是已保存的项目：在“文件 › 页面布局…”中修改的版式请先保存。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+74"/>
        <source>PDF (*.pdf)</source>
        <translation>PDF（*.pdf）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图片（*.png）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SVG (*.svg)</source>
        <translation>SVG（*.svg）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Web page (*.html)</source>
        <translation>网页（*.html）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The folder %1 does not exist.</source>
        <translation>文件夹 %1 不存在。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Include personal data?</source>
        <translation>包含个人信息？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The exported file will hold personal data unmasked (当事人, 证件号, 电话). Keep it as the rules on personal information require. Export it anyway?</source>
        <translation>导出的文件将含有未隐去的个人信息（当事人、证件号、电话），须按个人信息保护的规定保管。仍要导出吗？</translation>
    </message>
</context>
<context>
    <name>ExportXlsxDialog</name>
    <message>
        <location filename="../../gisdesk/ui/export_xlsx.py" line="+62"/>
        <location line="+30"/>
        <source>Export to Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <location line="-27"/>
        <source>The conflict list, the illegal-construction ledger and the area totals, one sheet each, with Chinese headers and units, and a sheet 说明 saying what was exported.</source>
        <translation>冲突清单、违法建设台账和面积统计，每表一页，中文表头并注明单位，另附“说明”页写明导出的内容。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No check has been run yet: the conflict and totals sheets will be empty.</source>
        <translation>尚未运行冲突检查：冲突清单与面积统计两页将为空。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The sheet 说明 lists the masked fields.</source>
        <translation>“说明”页列出已隐去的字段。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Include personal data?</source>
        <translation>包含个人信息？</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The Excel file will hold personal data unmasked (当事人, 证件号, 电话). Export it anyway?</source>
        <translation>Excel 文件将包含未隐去的个人信息（当事人、证件号、电话）。仍要导出吗？</translation>
    </message>
</context>
<context>
    <name>FeatureForm</name>
    <message>
        <location filename="../../gisdesk/ui/feature_form.py" line="+51"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Why the status changes (kept in the case history)</source>
        <translation>状态变更的原因（记入案件历史）</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+124"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="-107"/>
        <source>History</source>
        <translation>办理历史</translation>
    </message>
    <message>
        <location line="+100"/>
        <source>Overdue by %1 days (deadline %2)</source>
        <translation>已超期 %1 天（处置期限 %2）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Who</source>
        <translation>经办人</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>From</source>
        <translation>原状态</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>To</source>
        <translation>新状态</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>Edit %1</source>
        <translation>编辑 %1</translation>
    </message>
</context>
<context>
    <name>GpsPanel</name>
    <message>
        <location filename="../../gisdesk/ui/gps.py" line="+74"/>
        <source>Serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replay NMEA log</source>
        <translation>回放 NMEA 记录</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Baud</source>
        <translation>波特率</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>As fast as possible</source>
        <translation>尽快</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log file</source>
        <translation>记录文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+89"/>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <location line="-76"/>
        <source>Fix</source>
        <translation>定位</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Satellites / HDOP</source>
        <translation>卫星数 / HDOP</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Accuracy</source>
        <translation>精度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Lat / lon</source>
        <translation>纬度 / 经度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>X / Y</source>
        <translation>X / Y（项目坐标）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Speed / course</source>
        <translation>速度 / 航向</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sentences</source>
        <translation>语句</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Keep the position in view</source>
        <translation>地图跟随位置</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add a point at the GPS position</source>
        <translation>在 GPS 位置添加点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new feature of the current layer of the layer tree (a point layer), saved at once; Edit › Undo takes it back</source>
        <translation>在图层树当前图层（点图层）中新增要素，立即保存；编辑 › 撤销可撤回</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>NMEA log</source>
        <translation>NMEA 记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>NMEA logs (*.nmea *.nma *.txt *.log);;All files (*)</source>
        <translation>NMEA 记录 (*.nmea *.nma *.txt *.log);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Disconnect</source>
        <translation>断开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reading %1</source>
        <translation>正在读取 %1</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>%1 used, %2 checksum errors, %3 unreadable</source>
        <translation>有效 %1 条，校验错误 %2 条，无法识别 %3 条</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>No GPS fix: no point added</source>
        <translation>GPS 未定位：未添加点</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose a point layer in the layer tree first (the ledger, resources …)</source>
        <translation>请先在图层树中选择一个点图层（台账、资源等）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Added %1 at the GPS position (± %2 m)</source>
        <translation>已在 GPS 位置添加 %1（± %2 米）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Add %1 at the GPS position</source>
        <translation>在 GPS 位置添加 %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>GPS</source>
        <translation>GPS</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;GPS</source>
        <translation>&amp;GPS 定位</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connect a GPS receiver or replay a log; add a point at the position</source>
        <translation>连接 GPS 接收机或回放记录；在所在位置添加点</translation>
    </message>
</context>
<context>
    <name>HtmlPreview</name>
    <message>
        <location filename="../../gisdesk/ui/html_preview.py" line="+39"/>
        <source>Preview: %1</source>
        <translation>预览：%1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open in browser</source>
        <translation>在浏览器中打开</translation>
    </message>
</context>
<context>
    <name>IdentifyPanel</name>
    <message>
        <location filename="../../gisdesk/ui/tools.py" line="+326"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Click on the map with the Identify tool</source>
        <translation>请用识别工具在地图上单击</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Double-click a feature to edit it in its form</source>
        <translation>双击要素可在表单中编辑</translation>
    </message>
    <message numerus="yes">
        <location line="+32"/>
        <source>%n feature(s) found</source>
        <translation>
            <numerusform>找到 %n 个要素</numerusform>
        </translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Nothing here</source>
        <translation>此处没有要素</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n feature(s)</source>
        <translation>
            <numerusform>%n 个要素</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="-329"/>
        <source>Import into %1</source>
        <translation>导入到 %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+721"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location line="-720"/>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+718"/>
        <source>Open or create a project first.</source>
        <translation>请先打开或新建一个项目。</translation>
    </message>
    <message>
        <location line="+11"/>
        <location line="+9"/>
        <source>New project</source>
        <translation>新建项目</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>gisdesk projects (*.gpkg)</source>
        <translation>gisdesk 项目 (*.gpkg)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Project CRS as an EPSG code (e.g. 4549); leave empty to take the 3° Gauss-Krüger zone of the first import:</source>
        <translation>项目坐标系的 EPSG 代码（如 4549）；留空则采用首次导入数据所在的 3° 高斯-克吕格带：</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot create project</source>
        <translation>无法新建项目</translation>
    </message>
</context>
<context>
    <name>InlineEditor</name>
    <message>
        <location filename="../../gisdesk/ui/annotations.py" line="-114"/>
        <source>Type the text: Enter keeps it, Shift+Enter starts a new line</source>
        <translation>输入文字：回车确定，Shift+回车换行</translation>
    </message>
</context>
<context>
    <name>JobsIndicator</name>
    <message>
        <location filename="../../gisdesk/ui/jobs.py" line="+411"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Jobs…</source>
        <translation>任务…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the Jobs panel</source>
        <translation>显示任务面板</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>(+%1 more)</source>
        <translation>（另有 %1 个）</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <location line="-198"/>
        <source>No job is running.</source>
        <translation>没有正在运行的任务。</translation>
    </message>
    <message>
        <location line="+90"/>
        <source>%1: done</source>
        <translation>%1：已完成</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1: cancelled; nothing was changed.</source>
        <translation>%1：已取消，未作任何更改。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 failed: %2</source>
        <translation>%1 失败：%2</translation>
    </message>
</context>
<context>
    <name>KindPage</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="-628"/>
        <source>Kind and layer</source>
        <translation>类型与图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the features are, and the project layer they go into.</source>
        <translation>要素属于哪一类，导入到项目的哪个图层。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Kind</source>
        <translation>图层类型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Target layer</source>
        <translation>目标图层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>metres, for centre lines; empty: zone polygons or a width field</source>
        <translation>米，用于中心线；留空：控制区面或有半宽字段</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Half width (m)</source>
        <translation>半宽（米）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Update the layer from a newer export (match features by uid)</source>
        <translation>用较新的导出更新图层（按 uid 匹配要素）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep multi-part features whole</source>
        <translation>多部件要素保持为一个整体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import the readable records of a damaged source and list the others</source>
        <translation>源文件损坏时导入可读的记录并列出其余</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Guessed from the name: %1</source>
        <translation>根据名称推断：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The name does not tell the kind: choose it.</source>
        <translation>从名称看不出类型：请选择。</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Half width</source>
        <translation>半宽</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>The half width must be a positive number of metres.</source>
        <translation>半宽应为正数（米）。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A new layer with this id is created.</source>
        <translation>将新建以此为标识的图层。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This layer is of another kind: the import will refuse it.</source>
        <translation>该图层属于另一类型：导入会被拒绝。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The features are added to this existing layer.</source>
        <translation>要素将追加到这个已有图层。</translation>
    </message>
</context>
<context>
    <name>LayerTree</name>
    <message>
        <location filename="../../gisdesk/ui/layer_tree.py" line="-947"/>
        <source>Control lines</source>
        <translation>控制线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ledger</source>
        <translation>违法建设台账</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resources</source>
        <translation>资源</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Base data</source>
        <translation>基础数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Base maps</source>
        <translation>底图</translation>
    </message>
    <message>
        <location line="+1409"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Add &amp;base map…</source>
        <translation>添加底图(&amp;B)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add an aerial image (GeoTIFF) or a tile cache (MBTiles) as a base map, by reference</source>
        <translation>添加航拍影像（GeoTIFF）或瓦片缓存（MBTiles）作为底图（按引用，不复制文件）</translation>
    </message>
</context>
<context>
    <name>LayerTreeModel</name>
    <message>
        <location line="-1186"/>
        <source>%1: %2 layers</source>
        <translation>%1：%2 个图层</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>%1 — %2 features</source>
        <translation>%1 — %2 个要素</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>no date</source>
        <translation>无日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 — %2 — %3</source>
        <translation>%1 — %2 — %3</translation>
    </message>
</context>
<context>
    <name>LayerTreePanel</name>
    <message>
        <location line="+291"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Opacity of the selected layer</source>
        <translation>所选图层的不透明度</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Relocate…</source>
        <translation>重新定位…</translation>
    </message>
    <message>
        <location line="+75"/>
        <location line="+20"/>
        <source>&amp;Zoom to layer</source>
        <translation>缩放到图层(&amp;Z)</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+20"/>
        <source>Move &amp;up</source>
        <translation>上移(&amp;U)</translation>
    </message>
    <message>
        <location line="-18"/>
        <location line="+20"/>
        <source>Move &amp;down</source>
        <translation>下移(&amp;D)</translation>
    </message>
    <message>
        <location line="-16"/>
        <source>&amp;Build overviews…</source>
        <translation>生成概览(&amp;B)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Relocate…</source>
        <translation>重新定位(&amp;R)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re&amp;move</source>
        <translation>移除(&amp;M)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Add base map…</source>
        <translation>添加底图(&amp;A)…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>&amp;Style…</source>
        <translation>样式(&amp;S)…</translation>
    </message>
    <message>
        <location line="-15"/>
        <location line="+16"/>
        <source>&amp;Properties…</source>
        <translation>属性(&amp;P)…</translation>
    </message>
    <message>
        <location line="-108"/>
        <source>Base map file missing: %1</source>
        <translation>底图文件缺失：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Base map files missing: %1 and %2 more</source>
        <translation>底图文件缺失：%1 等，另有 %2 个</translation>
    </message>
    <message>
        <location line="+166"/>
        <source>Base maps (%1);;All files (*)</source>
        <translation>底图 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Add base map</source>
        <translation>添加底图</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Add base map %1</source>
        <translation>添加底图 %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Build overviews of %1</source>
        <translation>生成 %1 的概览</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Relocate base map</source>
        <translation>重新定位底图</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Where is %1 now?</source>
        <translation>%1 现在在哪里？</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cannot relocate base map</source>
        <translation>无法重新定位底图</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Remove base map</source>
        <translation>移除底图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove the base map %1 from the project? The file itself stays where it is.</source>
        <translation>从项目中移除底图 %1？文件本身不会被删除。</translation>
    </message>
    <message>
        <location line="-173"/>
        <location line="+18"/>
        <source>&amp;Zoom to group</source>
        <translation>缩放到图层组(&amp;Z)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Move group &amp;up</source>
        <translation>图层组上移(&amp;U)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Move group &amp;down</source>
        <translation>图层组下移(&amp;D)</translation>
    </message>
</context>
<context>
    <name>LayoutDesigner</name>
    <message>
        <location filename="../../gisdesk/ui/layout_designer.py" line="+366"/>
        <location line="+454"/>
        <location line="+108"/>
        <location line="+182"/>
        <source>Page layouts</source>
        <translation>页面布局</translation>
    </message>
    <message>
        <location line="-725"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Add item</source>
        <translation>添加项目</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Delete item</source>
        <translation>删除项目</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Page:</source>
        <translation>纸张：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Portrait</source>
        <translation>纵向</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Landscape</source>
        <translation>横向</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Grid:</source>
        <translation>网格：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Moved and resized items snap to this grid (0: no grid)</source>
        <translation>移动和缩放的项目对齐到此网格（0：不对齐）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A template is read-only: “New from template” makes a copy of it in the project to change.</source>
        <translation>模板只读：点“由模板新建”在本项目中建一个副本再修改。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Layouts</source>
        <translation>版式</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>New from template…</source>
        <translation>由模板新建…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duplicate…</source>
        <translation>复制…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Read the layers again</source>
        <translation>重新读取图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The page shows the layers as the project file has them: after saving changes of the map, read them again</source>
        <translation>页面显示的是项目文件中的图层：保存地图的修改后，请重新读取</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+545"/>
        <source>Default page</source>
        <translation>默认版式</translation>
    </message>
    <message>
        <location line="-544"/>
        <source>gisdesk export --default and File › Export map… start with this layout (kept in the project when saved)</source>
        <translation>gisdesk export --default 和“文件 › 导出地图…”默认用此版式（保存时记入项目）</translation>
    </message>
    <message>
        <location line="+39"/>
        <location line="+317"/>
        <source>Edit text</source>
        <translation>编辑文字</translation>
    </message>
    <message>
        <location line="-316"/>
        <location line="+4"/>
        <source>Text:</source>
        <translation>文字：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} project name, {date} date, {organisation} organisation, {crs} coordinate system, {scale} map scale</source>
        <translation>{name} 项目名称，{date} 日期，{organisation} 单位，{crs} 坐标系，{scale} 地图比例尺</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Edit heading</source>
        <translation>编辑标题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heading:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Font size</source>
        <translation>字号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Font size:</source>
        <translation>字号：</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Bold</source>
        <translation>粗体</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Left</source>
        <translation>左对齐</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Centre</source>
        <translation>居中</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Right</source>
        <translation>右对齐</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Alignment</source>
        <translation>对齐</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Align:</source>
        <translation>对齐：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Left (mm):</source>
        <translation>左（毫米）：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Top (mm):</source>
        <translation>上（毫米）：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Width (mm):</source>
        <translation>宽（毫米）：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Height (mm):</source>
        <translation>高（毫米）：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Fitted to the layers</source>
        <translation>按图层范围自动</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Scale:</source>
        <translation>比例尺：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Centre:</source>
        <translation>中心：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>From the map view</source>
        <translation>取当前地图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The centre of the main window&apos;s map (and its scale, when the frame is fitted)</source>
        <translation>主窗口地图的中心（地图框为自动比例尺时也取其比例尺）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>On the layers</source>
        <translation>图层中心</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The centre of the layers&apos; extent</source>
        <translation>图层范围的中心</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Centre on the layers</source>
        <translation>以图层为中心</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Lines, symbols and labels of the map this many times their size</source>
        <translation>地图的线宽、符号和标注按此倍数放大</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Symbol size</source>
        <translation>符号大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Symbols:</source>
        <translation>符号倍数：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Image:</source>
        <translation>图片：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose image…</source>
        <translation>选择图片…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Click an item on the page to change it; drag it to move it, drag its handles to resize it. Arrow keys move it by the grid, Delete removes it.</source>
        <translation>单击页面上的项目以修改；拖动可移动，拖动控制点可缩放。方向键按网格移动，Delete 键删除。</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>In this project</source>
        <translation>本项目的版式</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>(none yet)</source>
        <translation>（尚无）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Templates</source>
        <translation>模板</translation>
    </message>
    <message>
        <location line="+81"/>
        <source>Masked on the page (personal data): %1</source>
        <translation>页面上已隐去的个人信息：%1</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>the layers&apos; centre</source>
        <translation>图层范围的中心</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>kept in the project</source>
        <translation>已存入项目</translation>
    </message>
    <message>
        <location line="+8"/>
        <source> (template)</source>
        <translation>（模板）</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Position and size</source>
        <translation>位置和大小</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Map scale</source>
        <translation>地图比例尺</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Centre from the map</source>
        <translation>取地图中心</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+21"/>
        <source>Logo image</source>
        <translation>标志图片</translation>
    </message>
    <message>
        <location line="-20"/>
        <source>Images (*.png *.jpg *.jpeg *.svg *.bmp)</source>
        <translation>图片（*.png *.jpg *.jpeg *.svg *.bmp）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 is not an image of at most 4 MB</source>
        <translation>%1 不是不超过 4 MB 的图片</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Page size</source>
        <translation>纸张大小</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Add %1</source>
        <translation>添加%1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Delete %1</source>
        <translation>删除%1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>The project already has a layout called %1</source>
        <translation>项目中已有名为 %1 的版式</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>New layout %1</source>
        <translation>新建版式 %1</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Duplicate as %1</source>
        <translation>复制为 %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Rename to %1</source>
        <translation>重命名为 %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Delete layout %1</source>
        <translation>删除版式 %1</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+4"/>
        <source>New from template</source>
        <translation>由模板新建</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Template:</source>
        <translation>模板：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Name of the new layout:</source>
        <translation>新版式的名称：</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Duplicate</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Name of the copy:</source>
        <translation>副本的名称：</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delete layout</source>
        <translation>删除版式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete the layout %1? (Undo brings it back until the designer is closed.)</source>
        <translation>删除版式 %1？（关闭设计器之前可撤销。）</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Save the changed layouts into the project?</source>
        <translation>将修改的版式保存到项目中？</translation>
    </message>
</context>
<context>
    <name>LegendPanel</name>
    <message>
        <location filename="../../gisdesk/ui/legend_panel.py" line="+117"/>
        <source>No visible layer.</source>
        <translation>没有可见图层。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gisdesk/ui/main_window.py" line="+86"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Analysis</source>
        <translation>分析(&amp;A)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Main toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Open project…</source>
        <translation>打开项目(&amp;O)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;New project…</source>
        <translation>新建项目(&amp;N)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recent projects</source>
        <translation>最近的项目</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Zoom to &amp;full extent</source>
        <translation>全图显示(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zoom &amp;in</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom &amp;out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom to &amp;selection</source>
        <translation>缩放到选中要素(&amp;S)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Topology problems</source>
        <translation>拓扑问题</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Pan</source>
        <translation>平移(&amp;P)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;About gisdesk</source>
        <translation>关于 gisdesk(&amp;A)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Panels</source>
        <translation>面板</translation>
    </message>
    <message>
        <location line="+103"/>
        <source>Cannot save the edit</source>
        <translation>无法保存编辑</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Map scale; type e.g. 1:2000 and press Enter</source>
        <translation>地图比例尺；输入如 1:2000 后按回车</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Scale</source>
        <translation>比例尺</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>gisdesk projects (*.gpkg)</source>
        <translation>gisdesk 项目 (*.gpkg)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message>
        <location line="+117"/>
        <source>Cannot open project</source>
        <translation>无法打开项目</translation>
    </message>
    <message>
        <location line="-64"/>
        <source>no CRS</source>
        <translation>无坐标系</translation>
    </message>
    <message>
        <location line="-223"/>
        <source>Overlaps (hatched black), slivers (orange) and gaps (magenta) found when the visible layers were imported</source>
        <translation>导入可见图层时发现的重叠（黑色斜线）、狭长碎片（橙色）和缝隙（品红色）</translation>
    </message>
    <message>
        <location line="+342"/>
        <source>Cannot save project</source>
        <translation>无法保存项目</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>gisdesk %1 — offline GIS for control lines, the illegal-construction ledger and their conflicts.</source>
        <translation>gisdesk %1 — 离线 GIS，用于控制线、违法建设台账及二者冲突的核查。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Data of this project:</source>
        <translation>本项目数据：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About gisdesk</source>
        <translation>关于 gisdesk</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The project %1 has unsaved changes (layer order, visibility or styles). Save them?</source>
        <translation>项目 %1 有未保存的更改（图层顺序、可见性或样式）。是否保存？</translation>
    </message>
    <message>
        <location line="+96"/>
        <source>Type a scale like 1:2000</source>
        <translation>请输入比例尺，如 1:2000</translation>
    </message>
</context>
<context>
    <name>MapTools</name>
    <message>
        <location filename="../../gisdesk/ui/tools.py" line="-275"/>
        <source>%1 m</source>
        <translation>%1 米</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> (%1 km)</source>
        <translation>（%1 千米）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 m²</source>
        <translation>%1 平方米</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 ha</source>
        <translation>%1 公顷</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 mu</source>
        <translation>%1 亩</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Area, planar (%1): %2</source>
        <translation>面积，平面（%1）：%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Area, ellipsoidal (CGCS2000): %1</source>
        <translation>面积，椭球面（CGCS2000）：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Perimeter: planar %1, ellipsoidal %2</source>
        <translation>周长：平面 %1，椭球面 %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Distance, planar (%1): %2</source>
        <translation>距离，平面（%1）：%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Distance, ellipsoidal (CGCS2000): %1</source>
        <translation>距离，椭球面（CGCS2000）：%1</translation>
    </message>
    <message>
        <location line="+179"/>
        <source>The project has no coordinate reference system</source>
        <translation>项目没有坐标参考系</translation>
    </message>
</context>
<context>
    <name>MappingPage</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="+271"/>
        <location line="+103"/>
        <source>Field mapping</source>
        <translation>字段对应</translation>
    </message>
    <message>
        <location line="-102"/>
        <source>The field each source column is read as. The proposal is what the importer finds by name, or what you confirmed for this source last time.</source>
        <translation>每个源字段读作哪个字段。建议值是导入程序按名称找到的，或上次对此源文件确认过的。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Source column</source>
        <translation>源字段</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>First values</source>
        <translation>前几个值</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The kind of each CAD layer of the drawing: the entities of the layers of the kind imported go in; the choice is remembered for this drawing.</source>
        <translation>图纸中每个 CAD 图层的类型：导入所选类型的图层中的图元；此选择会为该图纸记住。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>CAD layer</source>
        <translation>CAD 图层</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Entities</source>
        <translation>图元数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>图层类型</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Proposed from the mapping you confirmed for %1 last time.</source>
        <translation>建议值来自上次对 %1 确认的字段对应。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Proposed from the column names (Chinese and English names, any letter case, shapefile-cut names).</source>
        <translation>建议值按字段名得出（中英文名称、不分大小写、shapefile 截短的名称）。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>(keep as extra column)</source>
        <translation>（作为附加字段保留）</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>(not imported)</source>
        <translation>（不导入）</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Several columns are mapped onto %1: choose one.</source>
        <translation>多个源字段都对应到 %1：请只选一个。</translation>
    </message>
</context>
<context>
    <name>MeasurePanel</name>
    <message>
        <location filename="../../gisdesk/ui/tools.py" line="+88"/>
        <source>Click points on the map; double-click or right-click to finish</source>
        <translation>在地图上单击添加点；双击或右键单击结束</translation>
    </message>
</context>
<context>
    <name>MergeConflictDialog</name>
    <message>
        <location filename="../../gisdesk/ui/field_work.py" line="+115"/>
        <source>Merge conflicts</source>
        <translation>合并冲突</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 changes of the package were applied, %2 skipped. %3 conflicts were not resolved: choose for each which value the master keeps. Nothing was overwritten.</source>
        <translation>外业包中 %1 处修改已应用，%2 处跳过。%3 处冲突未自动解决：请逐条选择主库保留哪个值。没有任何内容被覆盖。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Backup of the master: %1</source>
        <translation>主库备份：%1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Feature</source>
        <translation>要素</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Base (when packed)</source>
        <translation>基础（打包时）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Master (now)</source>
        <translation>主库（现在）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Field package</source>
        <translation>外业包</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Keep</source>
        <translation>采用</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>both changed</source>
        <translation>两边都改了</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>both moved</source>
        <translation>两边都改了几何</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>deleted in the field, edited in the master</source>
        <translation>外业删除，主库修改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>edited in the field, deleted in the master</source>
        <translation>外业修改，主库删除</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(whole feature)</source>
        <translation>（整个要素）</translation>
    </message>
    <message>
        <location line="+15"/>
        <location line="+24"/>
        <source>Decide later</source>
        <translation>稍后决定</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>Master&apos;s value</source>
        <translation>主库的值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Package&apos;s value</source>
        <translation>外业的值</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>All: master&apos;s value</source>
        <translation>全部采用主库</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All: package&apos;s value</source>
        <translation>全部采用外业</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Apply the choices</source>
        <translation>按所选合并</translation>
    </message>
</context>
<context>
    <name>PackDialog</name>
    <message>
        <location line="-115"/>
        <location line="+35"/>
        <source>Make a field package</source>
        <translation>打包外业数据</translation>
    </message>
    <message>
        <location line="-31"/>
        <source>The layers of the area (features crossing its edge taken whole), the base maps cut for it, the rule file and a base snapshot, for work with no network; merge it back with 合并外业数据… when the team returns.</source>
        <translation>该范围的图层（跨边界的要素整体带走，不裁切）、为它裁切的底图、规则文件和基础快照，供无网络时外业使用；外业回来后用“合并外业数据…”合并回主库。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>District:</source>
        <translation>区：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The map&apos;s view</source>
        <translation>当前地图范围</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Package:</source>
        <translation>外业包：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pack</source>
        <translation>打包</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
</context>
<context>
    <name>PersonalDataChoice</name>
    <message>
        <location filename="../../gisdesk/ui/export_xlsx.py" line="-77"/>
        <source>Include personal data</source>
        <translation>包含个人信息</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>当事人, 证件号 and 电话 as they are, not masked</source>
        <translation>当事人、证件号和电话按原样导出，不隐去</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Personal data (当事人, 证件号, 电话) will be masked: 张**, 110***********1234, 138****5678. %1</source>
        <translation>个人信息（当事人、证件号、电话）将被隐去，如 张**、110***********1234、138****5678。%1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Warning: the file will hold the names, ID numbers and phone numbers of the parties. Keep it as the rules on personal information require; do not hand it out at the meeting.</source>
        <translation>警告：文件将含有当事人的姓名、证件号和电话。请按个人信息保护的规定保管，不要在会上分发。</translation>
    </message>
</context>
<context>
    <name>PhotoPanel</name>
    <message>
        <location filename="../../gisdesk/ui/photos.py" line="-294"/>
        <source>Add photos/documents…</source>
        <translation>添加照片/文档…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Attach photos or documents to this feature (stored in the project with their hash)</source>
        <translation>给此要素附加照片或文档（连同哈希存入项目）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add evidence photo…</source>
        <translation>添加举证照片…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>An evidence photo: position, azimuth, time, operator and device stamped on it and sealed in the case history</source>
        <translation>举证照片：位置、方位角、时间、操作员和设备加盖在照片上，并封存入案件历史</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Show the photo with its EXIF facts or evidence data</source>
        <translation>查看照片及其 EXIF 信息或举证信息</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Write the attachment to a file</source>
        <translation>把附件写到文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Remove the attachment from the project</source>
        <translation>从项目中删除此附件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Undo removal</source>
        <translation>撤销删除</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Put the attachment just removed back</source>
        <translation>恢复刚删除的附件</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Photos and documents: choose a feature in the results</source>
        <translation>照片和文档：请在结果中选择一个要素</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>Photos and documents of %1: %n</source>
        <translation>
            <numerusform>%1 的照片和文档：%n 个</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>E</source>
        <comment>the seal on an evidence photo&apos;s thumbnail</comment>
        <translation>证</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Evidence photo</source>
        <translation>举证照片</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Taken %1</source>
        <translation>拍摄于 %1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Add photos/documents</source>
        <translation>添加照片/文档</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photos and documents (*.jpg *.jpeg *.png *.tif *.tiff *.pdf *.doc *.docx *.xls *.xlsx *.txt);;All files (*)</source>
        <translation>照片和文档 (*.jpg *.jpeg *.png *.tif *.tiff *.pdf *.doc *.docx *.xls *.xlsx *.txt);;所有文件 (*)</translation>
    </message>
    <message numerus="yes">
        <location line="+12"/>
        <source>%n file(s) attached</source>
        <translation>
            <numerusform>已附加 %n 个文件</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add evidence photo</source>
        <translation>添加举证照片</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photos (*.jpg *.jpeg *.png *.tif *.tiff)</source>
        <translation>照片 (*.jpg *.jpeg *.png *.tif *.tiff)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 is not a photo that can be read</source>
        <translation>%1 不是可读取的照片</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Evidence photo %1 stamped and sealed in the case history</source>
        <translation>举证照片 %1 已加盖水印并封存入案件历史</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Save attachment as</source>
        <translation>附件另存为</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Saved as %1</source>
        <translation>已另存为 %1</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 removed</source>
        <translation>已删除 %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>%1 put back</source>
        <translation>已恢复 %1</translation>
    </message>
</context>
<context>
    <name>PhotoViewer</name>
    <message>
        <location line="+112"/>
        <source>(a document: Save as… to open it in its program)</source>
        <translation>（文档：用“另存为…”保存后在相应程序中打开）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Fact</source>
        <translation>项目</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Evidence photo</source>
        <translation>举证照片</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Feature</source>
        <translation>要素</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pixels</source>
        <translation>像素</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Taken</source>
        <translation>拍摄时间</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Azimuth</source>
        <translation>方位角</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Camera (EXIF)</source>
        <translation>相机（EXIF）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>the photo&apos;s GPS (EXIF)</source>
        <translation>照片的 GPS（EXIF）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>entered</source>
        <translation>手动输入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the GPS receiver</source>
        <translation>GPS 接收机</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>the feature&apos;s centre</source>
        <translation>要素中心</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Case number</source>
        <translation>案件编号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Position from</source>
        <translation>位置来源</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Original file sha256</source>
        <translation>原始文件 sha256</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sealed</source>
        <translation>封存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Link hash</source>
        <translation>链接哈希</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Added</source>
        <translation>添加</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <location line="+2"/>
        <source>Check</source>
        <translation>校验</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>The bytes match the sealed sha256; the chain holds</source>
        <translation>内容与封存的 sha256 相符，哈希链完整</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The bytes match their sha256</source>
        <translation>内容与其 sha256 相符</translation>
    </message>
</context>
<context>
    <name>PropertiesDialog</name>
    <message>
        <location filename="../../gisdesk/ui/layer_tree.py" line="+387"/>
        <source>%1 (a temporary copy, since removed)</source>
        <translation>%1（导入时的临时副本，已删除）</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Properties — %1</source>
        <translation>属性 — %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Title</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Kind</source>
        <translation>图层类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Group</source>
        <translation>图层组</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Project file</source>
        <translation>项目文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Project table</source>
        <translation>项目数据表</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+14"/>
        <source>Features</source>
        <translation>要素数</translation>
    </message>
    <message>
        <location line="-12"/>
        <source>Geometry types</source>
        <translation>几何类型</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Coordinate system</source>
        <translation>坐标系</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Extent</source>
        <translation>范围</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Source CRS</source>
        <translation>源坐标系</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Imported at</source>
        <translation>导入时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repaired</source>
        <translation>已修复</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Skipped</source>
        <translation>已跳过</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>integer</source>
        <translation>整数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>decimal</source>
        <translation>小数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>choice</source>
        <translation>单选</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>codes</source>
        <translation>多选代码</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Label</source>
        <translation>显示名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Filled</source>
        <translation>非空数</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>unique id</source>
        <translation>唯一标识</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Personal data: masked in exports</source>
        <translation>个人信息：导出时脱敏</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import sources</source>
        <translation>导入来源</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fields</source>
        <translation>字段</translation>
    </message>
</context>
<context>
    <name>ReportPage</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="+9"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cancel import</source>
        <translation>取消导入</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>%1 → layer kind %2</source>
        <translation>%1 → 图层类型 %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Waiting…</source>
        <translation>等待中…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Import %1</source>
        <translation>导入 %1</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Cancelled: the project is as it was.</source>
        <translation>已取消：项目未改动。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The import failed: the project is as it was.</source>
        <translation>导入失败：项目未改动。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Internal error: %1</source>
        <translation>内部错误：%1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Finishing</source>
        <translation>收尾</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <location filename="../../gisdesk/ui/restore.py" line="+26"/>
        <source>Restore unsaved edits</source>
        <translation>恢复未保存的修改</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The project %1 has %2 edits that were not saved (made from %3 UTC on, by %4): the program may have ended unexpectedly. Restore them? They come back as unsaved edits, to save or to undo.</source>
        <translation>项目 %1 有 %2 处修改未保存（自 UTC %3 起，由 %4 所做），程序可能意外退出。要恢复吗？恢复后它们是未保存的修改，可以保存，也可以撤销。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Restored %1 unsaved edits: File › Save saves them, Edit › Undo takes them back</source>
        <translation>已恢复 %1 处未保存的修改：文件 › 保存项目 将其保存，编辑 › 撤销 可撤回</translation>
    </message>
</context>
<context>
    <name>SideBySide</name>
    <message>
        <location filename="../../gisdesk/ui/compare.py" line="-416"/>
        <source>Left:</source>
        <translation>左：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Right:</source>
        <translation>右：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The base map this pane shows</source>
        <translation>本窗格显示的底图</translation>
    </message>
</context>
<context>
    <name>SnappingDialog</name>
    <message>
        <location filename="../../gisdesk/ui/editing.py" line="+44"/>
        <source>Snapping</source>
        <translation>捕捉</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tolerance</source>
        <translation>容差</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vertices</source>
        <translation>节点</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Edges</source>
        <translation>边</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Snap to</source>
        <translation>捕捉到</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
</context>
<context>
    <name>SourcePage</name>
    <message>
        <location filename="../../gisdesk/ui/import_wizard.py" line="-626"/>
        <source>Source</source>
        <translation>源文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, File GDB folder, .osm.pbf, DXF drawing, CSV or Excel sheet with coordinates.</source>
        <translation>shapefile（也可为压缩包）、GeoPackage、GeoJSON、KML/KMZ、File GDB 文件夹、.osm.pbf、DXF 图纸，或带坐标的 CSV、Excel 表格。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Path of the source file</source>
        <translation>源文件路径</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Folder (.gdb)…</source>
        <translation>文件夹（.gdb）…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Layer or sheet</source>
        <translation>图层或工作表</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Source file</source>
        <translation>源文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vector files and tables (%1)</source>
        <translation>矢量文件和表格 (%1)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>File GDB folder</source>
        <translation>File GDB 文件夹</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>This is an image (GeoTIFF or MBTiles): add it as a base map with File › Add base map…</source>
        <translation>这是影像（GeoTIFF 或 MBTiles）：请用“文件 › 添加底图…”把它作为底图添加</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>No such file or folder.</source>
        <translation>文件或文件夹不存在。</translation>
    </message>
</context>
<context>
    <name>StyleDialog</name>
    <message>
        <location filename="../../gisdesk/ui/layer_tree.py" line="-293"/>
        <source>Style — %1</source>
        <translation>样式 — %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>As fill</source>
        <translation>同填充颜色</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Dashed outline</source>
        <translation>虚线边线</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fill and outline</source>
        <translation>填充与边线</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fill colour</source>
        <translation>填充颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill transparency</source>
        <translation>填充透明度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outline colour</source>
        <translation>边线颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outline width</source>
        <translation>边线宽度</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>By category</source>
        <translation>按类别</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This layer is coloured by category (below)</source>
        <translation>此图层按类别着色（见下方）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Show labels</source>
        <translation>显示标注</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Labels</source>
        <translation>标注</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Label field</source>
        <translation>标注字段</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label colour</source>
        <translation>标注颜色</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Colours by %1</source>
        <translation>按%1着色</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Features</source>
        <translation>要素数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
</context>
<context>
    <name>ToolController</name>
    <message>
        <location filename="../../gisdesk/ui/tools.py" line="+19"/>
        <source>Identify results</source>
        <translation>识别结果</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Measure</source>
        <translation>测量</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The layers the select tools work on</source>
        <translation>选择工具的作用范围</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>&amp;Identify features</source>
        <translation>识别要素(&amp;I)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Identify</source>
        <translation>识别</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Select by click or rectangle</source>
        <translation>点选或框选(&amp;S)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Select</source>
        <translation>选择</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Polygon</source>
        <translation>多边形</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Select by pol&amp;ygon</source>
        <translation>按多边形选择(&amp;Y)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Measure &amp;distance</source>
        <translation>测量距离(&amp;D)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Measure &amp;area</source>
        <translation>测量面积(&amp;A)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Area</source>
        <translation>面积</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>&amp;Clear selection</source>
        <translation>清除选择(&amp;C)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Select in:</source>
        <translation>选择范围：</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Click points on the map; double-click or right-click to finish</source>
        <translation>在地图上单击添加点；双击或右键单击结束</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>All visible layers</source>
        <translation>所有可见图层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Current layer (in the layer tree)</source>
        <translation>当前图层（图层树中选中的图层）</translation>
    </message>
    <message numerus="yes">
        <location line="+61"/>
        <source>%n feature(s) selected</source>
        <translation>
            <numerusform>已选择 %n 个要素</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TotalsModel</name>
    <message>
        <location filename="../../gisdesk/ui/totals_panel.py" line="+93"/>
        <source>Built (or a ledger case started) on or after the day the line took effect</source>
        <translation>建成（或台账案件开工）于控制线生效之日或之后</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Built (or a ledger case started) before the line took effect</source>
        <translation>建成（或台账案件开工）早于控制线生效</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Subjects a rule exempts (e.g. protected buildings in their purple line): left out of the other counts</source>
        <translation>按规则豁免的对象（如紫线内的受保护建筑）：不计入其他各列</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Line kind</source>
        <translation>控制线类型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Features</source>
        <translation>要素数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Footprint m²</source>
        <translation>基底面积 m²</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Encroaching</source>
        <translation>压线数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>of them new</source>
        <translation>其中新增</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>of them existing</source>
        <translation>其中既有</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Overlap m² (dissolved)</source>
        <translation>重叠面积 m²（合并去重）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>new overlap m²</source>
        <translation>新增重叠面积 m²</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>existing overlap m²</source>
        <translation>既有重叠面积 m²</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Setback shortfalls</source>
        <translation>退线不足数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Exempt</source>
        <translation>豁免数</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>All</source>
        <translation>合计</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All lines</source>
        <translation>全部控制线</translation>
    </message>
</context>
<context>
    <name>TotalsPanel</name>
    <message>
        <location line="+83"/>
        <source>Group by</source>
        <translation>分组</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+74"/>
        <source>Area totals</source>
        <translation>面积统计</translation>
    </message>
    <message>
        <location line="-72"/>
        <source>Encroachment area by district and line kind (buildings)</source>
        <translation>按区和控制线类型统计的压线面积（建筑）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Overlap area (m², dissolved)</source>
        <translation>重叠面积（m²，合并去重）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ledger handling rate against the plan target</source>
        <translation>违法建设查处率与计划目标对比</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Rate (%)</source>
        <translation>比率（%）</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+148"/>
        <source>Old-estate renovation progress by status</source>
        <translation>老旧小区改造进度（按状态）</translation>
    </message>
    <message>
        <location line="-148"/>
        <source>Estates</source>
        <translation>小区数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parking structure: share of spaces by category</source>
        <translation>停车泊位结构：各类别泊位占比</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Share (%)</source>
        <translation>占比（%）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Encroachment</source>
        <translation>压线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ledger</source>
        <translation>违法建设台账</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Old estates</source>
        <translation>老旧小区</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parking</source>
        <translation>停车泊位</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Totals and indicators</source>
        <translation>统计与指标</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Areas: planar in %1, in m²</source>
        <translation>面积：%1 平面面积，单位 m²</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run the conflict check to see area totals and encroachments.</source>
        <translation>请先运行冲突检查，再查看面积统计和压线情况。</translation>
    </message>
    <message>
        <location line="+69"/>
        <source>Target %1%</source>
        <translation>目标 %1%</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>renovation rate %1% (target %2%)</source>
        <translation>改造完成率 %1%（目标 %2%）</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>%1% (%2 spaces)</source>
        <translation>%1%（%2 个泊位）</translation>
    </message>
</context>
<context>
    <name>_Installer</name>
    <message>
        <location filename="../../gisdesk/ui/attribute_table.py" line="+40"/>
        <source>Attribute &amp;table</source>
        <translation>属性表(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open attribute &amp;table…</source>
        <translation>打开属性表(&amp;T)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attributes</source>
        <translation>属性</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Attribute table</source>
        <translation>属性表</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Layer:</source>
        <translation>图层：</translation>
    </message>
</context>
<context>
    <name>_JobRow</name>
    <message>
        <location filename="../../gisdesk/ui/jobs.py" line="-175"/>
        <source>Waiting…</source>
        <translation>等待中…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Running…</source>
        <translation>运行中…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>conflicts</name>
    <message>
        <location filename="../../gisdesk/ui/conflicts_panel.py" line="-703"/>
        <source>Road red line</source>
        <translation>道路红线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Green line</source>
        <translation>城市绿线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Blue line</source>
        <translation>城市蓝线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Purple line</source>
        <translation>城市紫线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Yellow line</source>
        <translation>城市黄线</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Encroachment</source>
        <translation>压线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Setback shortfall</source>
        <translation>退线不足</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dismissed</source>
        <translation>已排除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pending</source>
        <translation>待审核</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>New</source>
        <translation>新增</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Existing</source>
        <translation>既有</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location line="+720"/>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
</context>
<context>
    <name>export</name>
    <message>
        <location filename="../../gisdesk/ui/export_xlsx.py" line="+92"/>
        <source>Export to Excel</source>
        <translation>导出 Excel</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Exported %1 (with personal data)</source>
        <translation>已导出 %1（含个人信息）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exported %1; masked: %2</source>
        <translation>已导出 %1；已隐去：%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export to &amp;Excel…</source>
        <translation>导出 Excel(&amp;X)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The conflict list, the ledger and the totals as .xlsx</source>
        <translation>把冲突清单、台账和面积统计导出为 .xlsx</translation>
    </message>
</context>
<context>
    <name>export_map</name>
    <message>
        <location filename="../../gisdesk/ui/export_map.py" line="-175"/>
        <source>PDF (vector, for printing)</source>
        <translation>PDF（矢量，用于打印）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG image</source>
        <translation>PNG 图片</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SVG (vector, for editing)</source>
        <translation>SVG（矢量，用于编辑）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Interactive HTML map (opens offline)</source>
        <translation>交互式 HTML 地图（可离线打开）</translation>
    </message>
    <message>
        <location line="+192"/>
        <source>Export map</source>
        <translation>导出地图</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Exported %1 (with personal data: keep it as the rules require)</source>
        <translation>已导出 %1（含个人信息，请按规定保管）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported %1; personal data masked: %2</source>
        <translation>已导出 %1；已隐去个人信息：%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Exported %1; no personal data shown on it</source>
        <translation>已导出 %1；页面上没有个人信息</translation>
    </message>
    <message>
        <location line="+10"/>
        <source> (opened in the system&apos;s browser)</source>
        <translation>（已在系统浏览器中打开）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export &amp;map…</source>
        <translation>导出地图(&amp;M)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A page layout as PDF, PNG, SVG or HTML</source>
        <translation>将页面版式导出为 PDF、PNG、SVG 或 HTML</translation>
    </message>
</context>
<context>
    <name>field</name>
    <message>
        <location filename="../../gisdesk/ui/field_work.py" line="+113"/>
        <source>Make a field package</source>
        <translation>打包外业数据</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Field package %1: %2 features</source>
        <translation>外业包 %1：%2 个要素</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+5"/>
        <location line="+9"/>
        <source>Merge a field package</source>
        <translation>合并外业数据</translation>
    </message>
    <message>
        <location line="-13"/>
        <source>Save the project first: the merge compares the saved project with the package.</source>
        <translation>请先保存项目：合并比较的是已保存的项目与外业包。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Field work</source>
        <translation>外业</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Make a field package…</source>
        <translation>打包外业数据…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The layers, base maps and rules of a district or of the map&apos;s view, to work offline</source>
        <translation>某区或当前地图范围的图层、底图和规则，供离线外业</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Merge a field package…</source>
        <translation>合并外业数据…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bring a field package&apos;s edits back: three-way, conflicts listed for you to decide</source>
        <translation>把外业包的修改三方合并回主库：冲突列出由你决定</translation>
    </message>
</context>
<context>
    <name>jobs</name>
    <message>
        <location filename="../../gisdesk/ui/jobs.py" line="-156"/>
        <source>Reading layers</source>
        <translation>正在读取图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Building control zones</source>
        <translation>正在生成控制区</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checking buildings</source>
        <translation>正在检查建筑</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checking ledger cases</source>
        <translation>正在检查台账案件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Saving results</source>
        <translation>正在保存结果</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Computing totals</source>
        <translation>正在计算面积统计</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Computing indicators</source>
        <translation>正在计算指标</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reading the source</source>
        <translation>读取源文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checking geometries</source>
        <translation>检查几何</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Transforming coordinates</source>
        <translation>转换坐标</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Writing into the project</source>
        <translation>写入项目</translation>
    </message>
    <message>
        <location line="+395"/>
        <source>Jobs</source>
        <translation>任务</translation>
    </message>
</context>
<context>
    <name>layout_designer</name>
    <message>
        <location filename="../../gisdesk/ui/layout_designer.py" line="-1060"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subtitle</source>
        <translation>副标题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Organisation</source>
        <translation>编制单位</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Notes</source>
        <translation>注记</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CRS note</source>
        <translation>坐标系说明</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Map frame</source>
        <translation>地图框</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+725"/>
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <location line="-724"/>
        <source>Scale bar</source>
        <translation>比例尺</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>North arrow</source>
        <translation>指北针</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Overview inset</source>
        <translation>鹰眼图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Totals table</source>
        <translation>统计表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Logo</source>
        <translation>标志</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Feature table (atlas)</source>
        <translation>要素属性表（图集）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Before and after (atlas)</source>
        <translation>前后对比（图集）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Photos (atlas)</source>
        <translation>照片（图集）</translation>
    </message>
    <message>
        <location line="+223"/>
        <location line="+16"/>
        <source>Move %1</source>
        <translation>移动%1</translation>
    </message>
    <message>
        <location line="-15"/>
        <source>Resize %1</source>
        <translation>缩放%1</translation>
    </message>
    <message>
        <location line="+494"/>
        <source>Conflict totals</source>
        <translation>冲突统计</translation>
    </message>
    <message>
        <location line="+347"/>
        <source>Reading the layers for the page…</source>
        <translation>正在读取页面的图层…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Page layouts</source>
        <translation>页面布局</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Page &amp;layouts…</source>
        <translation>页面布局(&amp;L)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Design the printed pages of the project</source>
        <translation>设计项目的打印页面</translation>
    </message>
</context>
<context>
    <name>legend</name>
    <message>
        <location filename="../../gisdesk/ui/legend_panel.py" line="+27"/>
        <location line="+9"/>
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>&amp;Legend</source>
        <translation>图例(&amp;L)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Show or hide the legend of the visible layers</source>
        <translation>显示或隐藏可见图层的图例</translation>
    </message>
</context>
<context>
    <name>totals</name>
    <message>
        <location filename="../../gisdesk/ui/totals_panel.py" line="-355"/>
        <source>District</source>
        <translation>区</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reserve</source>
        <translation>储备</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Planned</source>
        <translation>计划</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Under way</source>
        <translation>已开工</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished</source>
        <translation>已完工</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Accepted</source>
        <translation>已验收</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Attached</source>
        <translation>配建</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Off-street public</source>
        <translation>路外公共</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On-street</source>
        <translation>路内</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>All cases</source>
        <translation>全部案件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stock</source>
        <translation>存量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New</source>
        <translation>新增</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>By area</source>
        <translation>按面积</translation>
    </message>
    <message>
        <location line="+340"/>
        <source>Totals and indicators</source>
        <translation>统计与指标</translation>
    </message>
</context>
</TS>
