import ProductIcon from '@mui/icons-material/StorefrontOutlined';
import { ProductCreate } from './ProductCreate';
import { ProductEdit } from './ProductEdit';
import { ProductList } from './ProductList';

export default { list: ProductList, edit: ProductEdit, create: ProductCreate, icon: ProductIcon, recordRepresentation: 'name' };
