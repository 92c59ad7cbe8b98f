<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gisdesk/ui/main_window.py" line="+52" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+0" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+0" />
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Analysis</source>
        <translation>分析(&amp;A)</translation>
    </message>
    <message>
        <location line="+0" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Main toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <location line="+4" />
        <source>&amp;Open project…</source>
        <translation>打开项目(&amp;O)…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Save project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Recent projects</source>
        <translation>最近的项目</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Zoom to &amp;full extent</source>
        <translation>全图显示(&amp;F)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Zoom &amp;in</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Zoom &amp;out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>&amp;Pan</source>
        <translation>平移(&amp;P)</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Panels</source>
        <translation>面板</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Map scale; type e.g. 1:2000 and press Enter</source>
        <translation>地图比例尺；输入如 1:2000 后按回车</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Scale</source>
        <translation>比例尺</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location line="+1" />
        <source>gisdesk projects (*.gpkg)</source>
        <translation>gisdesk 项目 (*.gpkg)</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Cannot open project</source>
        <translation>无法打开项目</translation>
    </message>
    <message>
        <location line="+6" />
        <source>no CRS</source>
        <translation>无坐标系</translation>
    </message>
    <message>
        <location line="+17" />
        <source>Cannot save project</source>
        <translation>无法保存项目</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The project %1 has unsaved changes (layer order, visibility or styles). Save them?</source>
        <translation>项目 %1 有未保存的更改（图层顺序、可见性或样式）。是否保存？</translation>
    </message>
    <message>
        <location line="+78" />
        <source>Type a scale like 1:2000</source>
        <translation>请输入比例尺，如 1:2000</translation>
    </message>
</context>
</TS>