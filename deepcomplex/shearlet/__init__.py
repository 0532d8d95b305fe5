"""deepcomplex.shearlet: the complex shearlet system of CoShRem and CoShNet's fixed front end."""
from .filters import SHEAR_MODES, coshrem_filters, orientation_table
from .measures import edge_measure, ridge_measure
from .transform import ComplexShearlet2d, shearlet_conv2d

__all__ = ["SHEAR_MODES", "coshrem_filters", "orientation_table", "ComplexShearlet2d", "shearlet_conv2d",
           "edge_measure", "ridge_measure"]
