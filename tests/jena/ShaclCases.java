// Validate many (shapes, data) pairs with Apache Jena's SHACL in one JVM, for the differential
// test (tests/test_shacl_engines.py). Arguments: folders, each holding shapes.ttl and data.ttl (or
// data.nt). Prints one tab-separated line a result: folder, focus node, path, value, constraint
// component (nodes in N-Triples form, "-" for none); "folder\tconforms" when there is none, and
// "folder\terror\tmessage" when Jena cannot read the shapes or the data. On stderr, for the
// benchmark (benchmarks/shacl_bench.py): each folder's validation time, CPU and wall, in ms.
import java.io.File;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.riot.out.NodeFmtLib;

public class ShaclCases {
    static String show(Node node) {
        return node == null ? "-" : NodeFmtLib.strNT(node);
    }

    static long cpuNanos() {  // the whole process's, garbage collection included
        return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) {
        for (String folder : args) {
            try {
                File data = new File(folder, "data.ttl");
                if (!data.exists()) data = new File(folder, "data.nt");
                Graph shapesGraph = RDFDataMgr.loadGraph(new File(folder, "shapes.ttl").getPath());
                Graph dataGraph = RDFDataMgr.loadGraph(data.getPath());
                long cpu = cpuNanos(), wall = System.nanoTime();
                Shapes shapes = Shapes.parse(shapesGraph);
                ValidationReport report = ShaclValidator.get().validate(shapes, dataGraph);
                System.err.printf("%s\tvalidated\tcpu %d ms\twall %d ms%n", folder,
                    (cpuNanos() - cpu) / 1000000, (System.nanoTime() - wall) / 1000000);
                if (report.conforms()) System.out.println(folder + "\tconforms");
                for (ReportEntry e : report.getEntries()) {
                    String path = e.resultPath() == null ? "-" : e.resultPath().toString();
                    System.out.println(folder + "\t" + show(e.focusNode()) + "\t" + path + "\t"
                        + show(e.value()) + "\t" + show(e.sourceConstraintComponent()));
                }
            } catch (Throwable err) {
                String text = String.valueOf(err.getMessage()).replace('\n', ' ').replace('\t', ' ');
                System.out.println(folder + "\terror\t" + text);
            }
        }
    }
}
