package dev.eksaudit.bridge.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A line chart as PNG with the JDK's Java2D (headless): no plotting tool needed. */
final class Plot {
    static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0x7f7f7f),
    };

    static final class Series {
        final String label;
        final double[] x;
        final double[] y;
        final boolean dashed;

        Series(String label, double[] x, double[] y, boolean dashed) {
            this.label = label;
            this.x = x;
            this.y = y;
            this.dashed = dashed;
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<double[]> bands = new ArrayList<>(); // x from, x to (shaded)
    private final List<String> bandLabels = new ArrayList<>();

    Plot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    Plot add(String label, double[] x, double[] y) {
        series.add(new Series(label, x, y, false));
        return this;
    }

    Plot hline(String label, double y, double xMax) {
        series.add(new Series(label, new double[] {0, xMax}, new double[] {y, y}, true));
        return this;
    }

    Plot band(String label, double from, double to) {
        bands.add(new double[] {from, to});
        bandLabels.add(label);
        return this;
    }

    void write(Path file) throws IOException {
        int w = 1200;
        int h = 620;
        int left = 100;
        int right = 30;
        int top = 60;
        int bottom = 105;
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double xMax = 1;
        double yMax = 1;
        for (Series s : series) {
            for (double v : s.x) {
                xMax = Math.max(xMax, v);
            }
            for (double v : s.y) {
                if (!Double.isNaN(v)) {
                    yMax = Math.max(yMax, v);
                }
            }
        }
        yMax = niceCeil(yMax * 1.08);
        xMax = niceCeil(xMax);
        int pw = w - left - right;
        int ph = h - top - bottom;
        final double fxMax = xMax;
        final double fyMax = yMax;
        java.util.function.DoubleUnaryOperator px = x -> left + x / fxMax * pw;
        java.util.function.DoubleUnaryOperator py = y -> top + ph - y / fyMax * ph;

        for (int i = 0; i < bands.size(); i++) {
            double[] b = bands.get(i);
            g.setColor(new Color(255, 200, 200));
            int x0 = (int) px.applyAsDouble(b[0]);
            int x1 = (int) px.applyAsDouble(b[1]);
            g.fillRect(x0, top, x1 - x0, ph);
            g.setColor(new Color(150, 0, 0));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.drawString(bandLabels.get(i), x0 + 6, top + 18);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i <= 5; i++) {
            double yv = yMax * i / 5;
            int y = (int) py.applyAsDouble(yv);
            g.setColor(new Color(225, 225, 225));
            g.drawLine(left, y, left + pw, y);
            g.setColor(Color.DARK_GRAY);
            String t = yv >= 10_000 ? String.format("%,.0fk", yv / 1000) : String.format("%,.0f", yv);
            g.drawString(t, left - 8 - g.getFontMetrics().stringWidth(t), y + 5);
        }
        for (int i = 0; i <= 10; i++) {
            double xv = xMax * i / 10;
            int x = (int) px.applyAsDouble(xv);
            g.setColor(new Color(235, 235, 235));
            g.drawLine(x, top, x, top + ph);
            g.setColor(Color.DARK_GRAY);
            String t = String.format("%.0f", xv);
            g.drawString(t, x - g.getFontMetrics().stringWidth(t) / 2, top + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, left, 35);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(xLabel, left + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, h - 62);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString(yLabel, -(top + ph / 2) - g.getFontMetrics().stringWidth(yLabel) / 2, 25);
        gy.dispose();

        int legendX = left + 10;
        int legendY = h - 38;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            Color c = COLORS[i % COLORS.length];
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            if (legendX + 40 + g.getFontMetrics().stringWidth(s.label) > w - right) {
                legendX = left + 10;
                legendY += 22;
            }
            g.setColor(c);
            g.setStroke(s.dashed
                    ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 6f}, 0f)
                    : new BasicStroke(2.2f));
            for (int j = 1; j < s.x.length; j++) {
                if (Double.isNaN(s.y[j]) || Double.isNaN(s.y[j - 1])) {
                    continue;
                }
                g.drawLine((int) px.applyAsDouble(s.x[j - 1]), (int) py.applyAsDouble(s.y[j - 1]),
                        (int) px.applyAsDouble(s.x[j]), (int) py.applyAsDouble(s.y[j]));
            }
            g.drawLine(legendX, legendY - 5, legendX + 24, legendY - 5);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString(s.label, legendX + 30, legendY);
            legendX += 40 + g.getFontMetrics().stringWidth(s.label);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
